//! Where each operation's API key goes, read from the spec.
//!
//! progenitor ignores security requirements, so the generated client would
//! send no credentials at all. From each operation's effective security
//! requirement (its own, else the document's) this module emits a
//! `key_placement` function and a `ClientHooks` implementation that puts the
//! client's key there and removes progenitor's `api-version` header, which no
//! provider asked for.

use heck::ToSnakeCase;
use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityScheme};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The first apiKey or bearer scheme among an operation's security alternatives.
fn placement(api: &OpenAPI, op: &openapiv3::Operation) -> Option<TokenStream> {
    let requirements = op.security.as_ref().or(api.security.as_ref())?;
    let schemes = &api.components.as_ref()?.security_schemes;
    requirements
        .iter()
        .flat_map(|r| r.keys())
        .find_map(|name| match schemes.get(name)? {
            ReferenceOr::Item(SecurityScheme::APIKey { location, name, .. }) => match location {
                APIKeyLocation::Header => Some(quote!(crate::auth::KeyPlacement::Header(#name))),
                APIKeyLocation::Query => Some(quote!(crate::auth::KeyPlacement::Query(#name))),
                APIKeyLocation::Cookie => None,
            },
            ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. }) if scheme.eq_ignore_ascii_case("bearer") => {
                Some(quote!(crate::auth::KeyPlacement::Bearer))
            }
            _ => None,
        })
}

pub(crate) fn key_placement_fn(api: &OpenAPI) -> TokenStream {
    let mut arms = Vec::new();
    let mut method_checks = Vec::new();
    for (_, _, op) in api.operations() {
        let Some(id) = op.operation_id.as_deref() else { continue };
        // progenitor names the method and `OperationInfo::operation_id` alike;
        // naming the method here makes a mismatch a compile error.
        let snake = id.to_snake_case();
        let method = format_ident!("{}", snake);
        method_checks.push(quote!(let _ = Client::#method;));
        if let Some(placement) = placement(api, op) {
            arms.push(quote!(#snake => Some(#placement),));
        }
    }
    quote! {
        /// Where this API's key goes for the operation progenitor calls
        /// `operation_id`, as the spec's security requirements say.
        pub(crate) fn key_placement(operation_id: &str) -> Option<crate::auth::KeyPlacement> {
            #[allow(clippy::match_single_binding)]
            match operation_id {
                #(#arms)*
                _ => None,
            }
        }

        const _: () = {
            #[allow(dead_code)]
            fn every_operation_is_a_client_method() {
                #(#method_checks)*
            }
        };

        impl ClientHooks<crate::auth::Credentials> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &OperationInfo,
            ) -> std::result::Result<(), Error<E>> {
                self.inner.prepare(request, key_placement(info.operation_id));
                Ok(())
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                crate::auth::execute_redacted(&self.client, request, key_placement(info.operation_id)).await
            }
        }

        impl Client {
            /// A client of `baseurl` that authenticates with `key` where the
            /// spec says, over [`crate::auth::http_client`] (bounded connect
            /// and request timeouts).
            pub fn with_api_key(baseurl: &str, key: crate::auth::ApiKey) -> Self {
                Self::new_with_client(baseurl, crate::auth::http_client(), crate::auth::Credentials::api_key(key))
            }
        }
    }
}
