//! One HTTPS-capable PATCH with a JSON body written by hand; prints the status.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "https://example.com/users/53".into());
    let resp = ureq::patch(&url)
        .header("Content-Type", "application/json")
        .send(r#"{"email":"loremipsum@example.com"}"#)?;
    println!("{}", resp.status().as_u16());
    Ok(())
}
