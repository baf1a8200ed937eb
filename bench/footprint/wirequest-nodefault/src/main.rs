//! One plain-http PATCH with a JSON body written by hand; prints the status.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://example.com/users/53".into());
    let resp = wirequest::patch(&url)
        .header("Content-Type", "application/json")
        .body(r#"{"email":"loremipsum@example.com"}"#)
        .send()?;
    println!("{}", resp.status());
    Ok(())
}
