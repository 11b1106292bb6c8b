//! A kube client for the chosen kubeconfig, proven to work by one small list request.

use std::time::Duration;

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::Client;

use super::diagnose::{diagnose, Diagnosis};
use super::source::{choose, error_chain, Access, Chosen, Locations};

/// A working client and what it points at.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub chosen: Chosen,
    pub timeout: Duration,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("server", &self.chosen.server)
            .field("context", &self.chosen.context)
            .field("user", &self.chosen.user)
            .finish()
    }
}

impl Connection {
    pub fn csrs(&self) -> Api<CertificateSigningRequest> {
        Api::all(self.client.clone())
    }

    /// Explain a failed request in plain words.
    pub async fn diagnose(&self, err: &kube::Error) -> Diagnosis {
        diagnose(err, &self.chosen, self.timeout).await
    }
}

/// Build a client without contacting the server.
pub async fn client_for(chosen: &Chosen, timeout: Duration) -> Result<Client, Diagnosis> {
    let config = config_for(chosen, timeout).await?;
    Client::try_from(config).map_err(|e| bad_kubeconfig(chosen, &e))
}

/// The client configuration of the chosen context, for callers that tune it.
pub async fn config_for(chosen: &Chosen, timeout: Duration) -> Result<kube::Config, Diagnosis> {
    let options = KubeConfigOptions {
        context: Some(chosen.context.clone()),
        ..Default::default()
    };
    let kubeconfig: Kubeconfig = chosen.kubeconfig.clone();
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| bad_kubeconfig(chosen, &e))?;
    config.connect_timeout = Some(timeout);
    Ok(config)
}

fn bad_kubeconfig(chosen: &Chosen, e: &(dyn std::error::Error + 'static)) -> Diagnosis {
    Diagnosis::BadKubeconfig {
        path: chosen.user_file.clone(),
        reason: error_chain(e),
    }
}

/// Choose the kubeconfig, build a client and list one CSR to prove access.
pub async fn connect(access: &Access, loc: &Locations) -> Result<Connection, Diagnosis> {
    let chosen = choose(access, loc)?;
    let client = client_for(&chosen, access.timeout).await?;
    let conn = Connection {
        client,
        chosen,
        timeout: access.timeout,
    };
    let probe = conn.csrs();
    match tokio::time::timeout(access.timeout, probe.list(&ListParams::default().limit(1))).await {
        Ok(Ok(_)) => Ok(conn),
        Ok(Err(e)) => Err(conn.diagnose(&e).await),
        Err(_) => Err(Diagnosis::Timeout {
            server: conn.chosen.server.clone(),
            after: access.timeout,
        }),
    }
}
