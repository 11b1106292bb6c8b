//! Reading the copies of the CAs in the cluster ([`ClusterCopies`]): the `kube-root-ca.crt`
//! ConfigMaps of every namespace, `kube-public/cluster-info`'s kubeconfig,
//! `kube-system/extension-apiserver-authentication`, legacy service-account token Secrets,
//! webhook configurations, APIServices and the Nodes. Read-only; every list paged and
//! bounded in time ([`super::bounded`]); a Secret's token is never deserialized.

use std::path::Path;

use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};
use k8s_openapi::api::core::v1::{ConfigMap, Node};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService;
use k8s_openapi::ByteString;
use kube::api::{Api, ListParams};
use serde::Deserialize;

use super::bounded::{list_all, ListError};
use super::ca_copies::{ClusterCopies, ClusterNode, Held, Place};
use super::connect::Connection;
use super::diagnose::Diagnosis;
use super::doctor::unreadable;
use crate::pki::kubeconfig::{self, FieldValue};

const PAGE: u32 = 500;
pub const CLUSTER_INFO: (&str, &str) = ("kube-public", "cluster-info");
pub const EXTENSION_AUTH: (&str, &str) = ("kube-system", "extension-apiserver-authentication");
pub const TOKEN_TYPE: &str = "kubernetes.io/service-account-token";

/// A service-account token Secret as kcert reads it: its name and `ca.crt`. Its token is
/// never deserialized, so nothing built from it can show or log it.
#[derive(Debug, Clone, Deserialize)]
struct TokenSecret {
    metadata: ObjectMeta,
    #[serde(default)]
    data: CaOnly,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct CaOnly {
    #[serde(rename = "ca.crt")]
    ca: Option<ByteString>,
}

impl kube::Resource for TokenSecret {
    type DynamicType = ();
    type Scope = k8s_openapi::NamespaceResourceScope;
    fn kind(_: &()) -> std::borrow::Cow<'_, str> {
        "Secret".into()
    }
    fn group(_: &()) -> std::borrow::Cow<'_, str> {
        "".into()
    }
    fn version(_: &()) -> std::borrow::Cow<'_, str> {
        "v1".into()
    }
    fn plural(_: &()) -> std::borrow::Cow<'_, str> {
        "secrets".into()
    }
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// `namespace/name` of an object.
fn full_name(meta: &ObjectMeta) -> String {
    format!(
        "{}/{}",
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default()
    )
}

/// A list's failure as one sentence: `cannot read secrets: forbidden (...)`.
fn why(what: &'static str, e: ListError) -> String {
    match e {
        ListError::Kube(k) => unreadable(what, k).to_string(),
        other => format!("cannot read {what}: the API server {other}"),
    }
}

/// Every object of `api` the fields select, paged, within the connection's timeout.
async fn all<K>(conn: &Connection, fields: &str, what: &'static str) -> Result<Vec<K>, String>
where
    K: kube::Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let api: Api<K> = Api::all(conn.client.clone());
    let params = match fields {
        "" => ListParams::default(),
        f => ListParams::default().fields(f),
    };
    list_all(&api, params, PAGE, conn.timeout, what)
        .await
        .map(|(items, _)| items)
        .map_err(|e| why(what, e))
}

/// The CA data of every cluster of a kubeconfig, one bundle.
pub fn kubeconfig_ca_data(yaml: &str) -> Vec<u8> {
    let Ok(k) = kubeconfig::parse(yaml.as_bytes(), Path::new("/")) else {
        return Vec::new();
    };
    k.fields
        .into_iter()
        .filter(|f| f.field == "certificate-authority-data")
        .filter_map(|f| match f.value {
            FieldValue::Data(d) => Some(d),
            _ => None,
        })
        .flatten()
        .collect()
}

/// `(configuration name, [(webhook, caBundle)])` of validating or mutating webhook
/// configurations: two types with the same fields.
macro_rules! webhook_parts {
    ($list:expr) => {
        $list.into_iter().map(|c| {
            let hooks = c.webhooks.unwrap_or_default().into_iter();
            let hooks = hooks.map(|w| (w.name, w.client_config.ca_bundle));
            (c.metadata.name, hooks.collect())
        })
    };
}

/// The caBundle of every webhook of every configuration `(name, [(webhook, caBundle)])`.
fn webhooks(
    kind: &str,
    configs: impl Iterator<Item = (Option<String>, Vec<(String, Option<ByteString>)>)>,
) -> Vec<Held> {
    configs
        .flat_map(|(config, hooks)| {
            let config = config.unwrap_or_default();
            hooks.into_iter().map(move |(hook, ca)| Held {
                name: format!("{kind}/{config} webhook {hook}"),
                pem: ca.map(|b| b.0),
            })
        })
        .collect()
}

fn data_of(cm: &ConfigMap, key: &str) -> Option<Vec<u8>> {
    cm.data
        .as_ref()
        .and_then(|d| d.get(key))
        .map(|v| v.clone().into_bytes())
}

/// Read everything, concurrently. `Err` when the cluster does not answer at all (the first
/// read, cluster-info, says so); a part it refuses (403, not served) is that part's error.
pub async fn read_copies(conn: &Connection) -> Result<ClusterCopies, Diagnosis> {
    let cms = |ns: &str| Api::<ConfigMap>::namespaced(conn.client.clone(), ns);
    let info = match conn
        .within_raw(cms(CLUSTER_INFO.0).get_opt(CLUSTER_INFO.1))
        .await?
    {
        Ok(cm) => Ok(cm),
        Err(kube::Error::Api(s)) if s.code == 403 || s.code == 404 => {
            Err(unreadable("configmaps in kube-public", kube::Error::Api(s)).to_string())
        }
        Err(e) => return Err(conn.diagnose(&e).await),
    };
    let cluster_info = info.map(|cm| {
        let name = format!("{}/{}", CLUSTER_INFO.0, CLUSTER_INFO.1);
        let pem = cm.map(|cm| {
            data_of(&cm, "kubeconfig").map_or_else(Vec::new, |k| {
                kubeconfig_ca_data(&String::from_utf8_lossy(&k))
            })
        });
        vec![Held { name, pem }]
    });
    let ext_get = async {
        match conn
            .within_raw(cms(EXTENSION_AUTH.0).get_opt(EXTENSION_AUTH.1))
            .await
        {
            Ok(Ok(cm)) => Ok(cm),
            Ok(Err(e)) => Err(unreadable("configmaps in kube-system", e).to_string()),
            Err(d) => Err(d.banner()),
        }
    };
    let token_type = format!("type={TOKEN_TYPE}");
    let (root, ext, tokens, validating, mutating, services, nodes) = futures::join!(
        all::<ConfigMap>(conn, "metadata.name=kube-root-ca.crt", "configmaps"),
        ext_get,
        all::<TokenSecret>(conn, &token_type, "secrets"),
        all::<ValidatingWebhookConfiguration>(conn, "", "validatingwebhookconfigurations"),
        all::<MutatingWebhookConfiguration>(conn, "", "mutatingwebhookconfigurations"),
        all::<APIService>(conn, "", "apiservices"),
        all::<Node>(conn, "", "nodes"),
    );
    let root_ca = root.map(|list| {
        list.iter()
            .map(|cm| Held {
                name: cm.metadata.namespace.clone().unwrap_or_default(),
                pem: data_of(cm, "ca.crt"),
            })
            .collect()
    });
    let ext_key = |key: &str| {
        ext.clone().map(|cm| {
            vec![Held {
                name: format!("{}/{} {key}", EXTENSION_AUTH.0, EXTENSION_AUTH.1),
                pem: cm.and_then(|cm| data_of(&cm, key)),
            }]
        })
    };
    let tokens = tokens.map(|list| {
        list.iter()
            .map(|s| Held {
                name: full_name(&s.metadata),
                pem: s.data.ca.as_ref().map(|b| b.0.clone()),
            })
            .collect()
    });
    let validating =
        validating.map(|l| webhooks("validatingwebhookconfiguration", webhook_parts!(l)));
    let mutating = mutating.map(|l| webhooks("mutatingwebhookconfiguration", webhook_parts!(l)));
    let services = services.map(|list| {
        list.into_iter()
            .filter_map(|s| {
                let ca = s.spec?.ca_bundle?;
                Some(Held {
                    name: format!("apiservice/{}", s.metadata.name.unwrap_or_default()),
                    pem: Some(ca.0),
                })
            })
            .collect()
    });
    let nodes = nodes.map(|list| {
        list.into_iter()
            .map(|n| ClusterNode {
                control_plane: n.metadata.labels.as_ref().is_some_and(|l| {
                    l.contains_key("node-role.kubernetes.io/control-plane")
                        || l.contains_key("node-role.kubernetes.io/master")
                }),
                name: n.metadata.name.unwrap_or_default(),
            })
            .collect()
    });
    Ok(ClusterCopies {
        server: conn.chosen.server.clone(),
        places: vec![
            (Place::RootCaConfigMaps, root_ca),
            (Place::ClusterInfo, cluster_info),
            (Place::ClientCaFile, ext_key("client-ca-file")),
            (
                Place::RequestHeaderCaFile,
                ext_key("requestheader-client-ca-file"),
            ),
            (Place::TokenSecrets, tokens),
            (Place::ValidatingWebhooks, validating),
            (Place::MutatingWebhooks, mutating),
            (Place::ApiServices, services),
        ],
        nodes,
    })
}
