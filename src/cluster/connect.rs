//! A kube client for the chosen kubeconfig, proven to work by one small list request.

use std::time::Duration;

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::Client;

use super::bounded::{Activity, BoundLayer, ListError};
use super::diagnose::{diagnose, Diagnosis};
use super::source::{choose, error_chain, Access, Chosen, Locations};

/// A working client and what it points at.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub chosen: Chosen,
    /// `--timeout`: for the first answer, and for each list as a whole.
    pub timeout: Duration,
    /// What the client has received, to tell a server that stalls from one that is down.
    pub activity: Activity,
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

    /// One request within `--timeout`: its answer, or the API's error as it came (a 403 or
    /// 404 says something about one object, not the connection). A timeout is explained.
    pub async fn within_raw<T>(
        &self,
        request: impl std::future::Future<Output = Result<T, kube::Error>>,
    ) -> Result<Result<T, kube::Error>, Diagnosis> {
        let before = self.activity.responses();
        match tokio::time::timeout(self.timeout, request).await {
            Ok(answer) => Ok(answer),
            // It answered but never finished: not a host that is down.
            Err(_) if self.activity.responses() > before => Err(Diagnosis::Unfinished {
                server: self.chosen.server.clone(),
                reason: format!(
                    "answered but did not finish its response within {} s",
                    self.timeout.as_secs()
                ),
            }),
            Err(_) => Err(Diagnosis::Timeout {
                server: self.chosen.server.clone(),
                after: self.timeout,
            }),
        }
    }

    /// One request within `--timeout`, any failure explained in words.
    pub async fn within<T>(
        &self,
        request: impl std::future::Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, Diagnosis> {
        match self.within_raw(request).await? {
            Ok(t) => Ok(t),
            Err(e) => Err(self.diagnose(&e).await),
        }
    }

    /// Explain a list that did not come back whole.
    pub async fn diagnose_list(&self, err: &ListError) -> Diagnosis {
        match err {
            ListError::Kube(e) => self.diagnose(e).await,
            other => Diagnosis::Unfinished {
                server: self.chosen.server.clone(),
                reason: other.to_string(),
            },
        }
    }
}

/// Build a client without contacting the server; every response it reads is bounded
/// ([`super::bounded`]).
pub async fn client_for(
    chosen: &Chosen,
    timeout: Duration,
) -> Result<(Client, Activity), Diagnosis> {
    let config = config_for(chosen, timeout).await?;
    bounded_client(chosen, config)
}

/// A client for a configuration the caller tuned, its reads bounded like every other.
pub fn bounded_client(
    chosen: &Chosen,
    config: kube::Config,
) -> Result<(Client, Activity), Diagnosis> {
    let layer = BoundLayer::default();
    let client = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| bad_kubeconfig(chosen, &e))?
        .with_layer(&layer)
        .build();
    Ok((client, layer.activity))
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

/// Choose the kubeconfig and build a client; nothing is asked of the server yet.
pub async fn open(access: &Access, loc: &Locations) -> Result<Connection, Diagnosis> {
    let chosen = choose(access, loc)?;
    let (client, activity) = client_for(&chosen, access.timeout).await?;
    Ok(Connection {
        client,
        chosen,
        timeout: access.timeout,
        activity,
    })
}

/// Choose the kubeconfig, build a client and list one CSR to prove access.
pub async fn connect(access: &Access, loc: &Locations) -> Result<Connection, Diagnosis> {
    let conn = open(access, loc).await?;
    conn.within(conn.csrs().list(&ListParams::default().limit(1)))
        .await?;
    Ok(conn)
}
