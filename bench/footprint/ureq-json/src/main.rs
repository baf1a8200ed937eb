//! One HTTPS-capable PATCH with a JSON body; prints the status.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "https://example.com/users/53".into());
    let resp = ureq::patch(&url).send_json(serde_json::json!({"email": "loremipsum@example.com"}))?;
    println!("{}", resp.status().as_u16());
    Ok(())
}
