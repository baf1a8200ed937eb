//! TLS with rustls (ring provider, so no cmake or C toolchain beyond cc) and the webpki-roots
//! trust store.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::tcp::{peek_idle, write_all_vectored, TcpTransport};
use super::{IdleState, Stream};
use crate::error::Error;

/// Settings for TLS connections, built once and shared by every connection of a client.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// Extra trusted roots, PEM encoded (added to the webpki-roots store).
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// Trust only `extra_roots_pem`, not the webpki-roots store.
    pub only_extra_roots: bool,
    /// Accept any certificate (requests' `verify=False`). Handshake signatures are still checked
    /// against the presented certificate.
    pub accept_invalid_certs: bool,
    /// A client certificate chain and private key, PEM encoded, for mutual TLS.
    pub client_cert_pem: Option<(Vec<u8>, Vec<u8>)>,
}

/// A ready rustls client configuration.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    config: Arc<ClientConfig>,
}

impl TlsConfig {
    /// Builds the rustls configuration; bad PEM input is an [`Error::Tls`].
    pub fn new(settings: &TlsSettings) -> Result<TlsConfig, Error> {
        let provider = Arc::new(ring::default_provider());
        let mut roots = RootCertStore::empty();
        if !settings.only_extra_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for pem in &settings.extra_roots_pem {
            let mut found = 0;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert =
                    cert.map_err(|e| Error::Tls(format!("bad root certificate pem: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| Error::Tls(format!("bad root certificate: {e}")))?;
                found += 1;
            }
            if found == 0 {
                return Err(Error::Tls("no certificate in root certificate pem".into()));
            }
        }
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(e.to_string()))?
            .with_root_certificates(roots);
        let mut config = match &settings.client_cert_pem {
            None => builder.with_no_client_auth(),
            Some((chain, key)) => {
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain)
                    .collect::<Result<_, _>>()
                    .map_err(|e| Error::Tls(format!("bad client certificate pem: {e}")))?;
                if certs.is_empty() {
                    return Err(Error::Tls(
                        "no certificate in client certificate pem".into(),
                    ));
                }
                let key = PrivateKeyDer::from_pem_slice(key)
                    .map_err(|e| Error::Tls(format!("bad client key pem: {e}")))?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|e| Error::Tls(format!("client certificate rejected: {e}")))?
            }
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        if settings.accept_invalid_certs {
            config
                .dangerous()
                .set_certificate_verifier(Arc::new(AcceptAnyCert(provider)));
        }
        Ok(TlsConfig {
            config: Arc::new(config),
        })
    }

    /// Runs the handshake over `tcp` for `host` (a DNS name or IP literal; SNI is sent for
    /// names), bounded by `timeout`.
    pub fn connect(
        &self,
        tcp: TcpStream,
        host: &str,
        timeout: Option<Duration>,
    ) -> Result<TlsTransport, Error> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let name = ServerName::try_from(bare.to_owned())
            .map_err(|_| Error::Tls(format!("invalid tls server name {bare:?}")))?;
        let mut conn = ClientConnection::new(self.config.clone(), name)
            .map_err(|e| Error::Tls(e.to_string()))?;
        let mut tcp = TcpTransport::new(tcp);
        tcp.set_read_timeout(timeout)
            .map_err(|e| Error::from_io(e, "tls handshake"))?;
        tcp.set_write_timeout(timeout)
            .map_err(|e| Error::from_io(e, "tls handshake"))?;
        while conn.is_handshaking() {
            match conn.complete_io(&mut tcp) {
                Ok(_) => {}
                Err(e) => {
                    return Err(match Error::from_io(e, "tls handshake") {
                        Error::Io(_, msg) => Error::Tls(msg),
                        other => other,
                    })
                }
            }
        }
        Ok(TlsTransport { conn, tcp })
    }
}

/// A TLS connection over TCP.
#[derive(Debug)]
pub struct TlsTransport {
    conn: ClientConnection,
    tcp: TcpTransport,
}

impl TlsTransport {
    /// The negotiated ALPN protocol, if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.conn.alpn_protocol()
    }
}

impl Read for TlsTransport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut stream = rustls::Stream::new(&mut self.conn, &mut self.tcp);
        match stream.read(buf) {
            // Many servers close without close_notify; framing (length or chunked) still tells a
            // truncated body from a whole one, so treat this as an ordinary EOF.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
            other => other,
        }
    }
}

impl Write for TlsTransport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.conn.writer().write(buf)?;
        self.flush()?;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.tcp)?;
        }
        Ok(())
    }
}

impl Stream for TlsTransport {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp.set_read_timeout(timeout)
    }
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp.set_write_timeout(timeout)
    }
    fn idle_state(&mut self) -> IdleState {
        match self.conn.process_new_packets() {
            Ok(state) if state.plaintext_bytes_to_read() > 0 => return IdleState::Unsolicited,
            Ok(state) if state.peer_has_closed() => return IdleState::Closed,
            Ok(_) => {}
            Err(_) => return IdleState::Closed,
        }
        peek_idle(self.tcp.get_ref())
    }
    fn write_bufs(&mut self, bufs: &[&[u8]]) -> io::Result<()> {
        // rustls buffers plaintext into records itself; hand it every piece, then flush once.
        let mut writer = self.conn.writer();
        write_all_vectored(&mut writer, bufs)?;
        self.flush()
    }
}

/// The verifier behind `danger_accept_invalid_certs`: any certificate, but handshake signatures
/// are still verified, as OpenSSL does with verification off.
#[derive(Debug)]
struct AcceptAnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
