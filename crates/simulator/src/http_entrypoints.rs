//! The endpoints: each provider route checks the key the provider's way,
//! reads and validates the request against the effective spec, maybe fails
//! on purpose (`--fail-rate`), then accepts and plays its callbacks.

use std::time::Duration;

use dropshot::{ErrorStatusCode, HttpError, HttpResponseAccepted, HttpResponseOk, RequestContext, TypedBody};
use http_body_util::{BodyExt, Limited};
use serde_json::{Value, json};
use smsgate::clearline::sms_api::types::{SendSmsRequest, SendSmsResponse};
use smsgate::clickatell::sms_api::types::{
    SendBulkMessageRequest, SendMessageRequest, SendMessageResponse, SendMessagesListResponse,
};
use smsgate_simulator_api::control::{
    ControlOutcome, InboundRequest, InboundType, MessagesView, OutageRequest, OutageView, SmartHiveReportRequest,
};
use smsgate_simulator_api::errors::{
    ClearLineAnswer, ClearLineError, ClickatellAnswer, ClickatellCode, ClickatellError, ErrorBody, OrThrottled,
    ProviderError, clearline_error,
};
use smsgate_simulator_api::{HttpSendParams, RawBody, RawQuery, SimulatorApi};

use crate::context::{BODY_LIMIT, Shared, Simulator, now_ms};
use crate::delivery::{acknowledged, clearline_client, deliver, pending};
use crate::inbound::{InboundPayload, inbound, smarthive_report};
use crate::plan::Provider;
use crate::playback::{Accepted, Target, play};

pub enum SimulatorImpl {}

/// Operation ids, as the specs name them.
const SEND_REST: &str = "sendMessageREST_1";
const SEND_BULK: &str = "sendBulkMessageREST";
const SEND_HTTP: &str = "sendMessageHTTP";
const SEND_SMS: &str = "sendSms";

fn header<'a>(rqctx: &'a RequestContext<Simulator>, name: &str) -> Option<&'a str> {
    rqctx.request.headers().get(name).and_then(|value| value.to_str().ok())
}

/// Why a throttled send is refused, in either provider's body.
const THROTTLED: &str = "simulated throttling (--throttle): too many segments a second";

/// The body as JSON, or why it is not.
async fn read_json(body: dropshot::Body) -> Result<Value, String> {
    let bytes = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return Err(format!("the body is larger than {BODY_LIMIT} bytes"));
        }
        Err(error) => return Err(format!("could not read the body: {error}")),
    };
    serde_json::from_slice(&bytes).map_err(|e| format!("the body is not JSON: {e}"))
}

impl Shared {
    fn clickatell_checks(&self, key: Option<&str>, key_where: &str) -> Result<(), ClickatellError> {
        if !self.key.admits(key) {
            return Err(ClickatellCode::INVALID_KEY.answer(format!("send the integration's API key {key_where}")));
        }
        Ok(())
    }

    /// Down or failing (an error), or over its throttle for a message of
    /// `text` (the 429 to answer).
    fn clickatell_available<R>(
        &self,
        text: Option<&str>,
    ) -> Result<Option<OrThrottled<R, SendMessagesListResponse>>, ClickatellError> {
        if let Some(reason) = self.availability.refuses(&self.dice, &self.knobs) {
            return Err(ClickatellCode::RETRY.answer(reason));
        }
        Ok(self
            .availability
            .throttles(segments(text), self.knobs.throttle)
            .map(|retry_after| OrThrottled::Throttled {
                body: ClickatellCode::RETRY.body(THROTTLED),
                retry_after,
            }))
    }

    /// Accepts one Clickatell message: a result per recipient, each with
    /// its `apiMessageId`, or the error that refuses the message.
    fn accept_clickatell(self: &std::sync::Arc<Self>, request: &SendMessageRequest) -> SendMessagesListResponse {
        let recipients = request.to.clone().unwrap_or_default();
        if recipients.is_empty() {
            return ClickatellCode::INVALID_PARAMETER.body("to: at least one recipient is required");
        }
        if request.content.as_deref().is_none_or(str::is_empty) {
            return ClickatellCode::INVALID_PARAMETER.body("content: the message text is required");
        }
        let accepted_at_ms = now_ms();
        let messages = recipients
            .into_iter()
            .map(|to| {
                let plan = self.dice.plan(Provider::Clickatell, &to, &self.knobs);
                let id = plan.message_id.clone();
                let message = Accepted {
                    provider: Provider::Clickatell,
                    to: to.clone(),
                    from: request.from.clone(),
                    client_message_id: request.client_message_id.clone(),
                    accepted_at_ms,
                    target: Target::ClickatellReceiver,
                };
                play(self, message, plan);
                tracing::info!(provider = "clickatell", message_id = %id, "message accepted");
                SendMessageResponse {
                    api_message_id: Some(id),
                    accepted: Some(true),
                    to: Some(to),
                    error_code: None,
                    error: None,
                    error_description: None,
                    extra: Default::default(),
                }
            })
            .collect();
        SendMessagesListResponse {
            messages,
            error_code: None,
            error: None,
            error_description: None,
            extra: Default::default(),
        }
    }

    /// A single message's answer: 202, or 400 when it was refused.
    fn single(
        self: &std::sync::Arc<Self>,
        request: &SendMessageRequest,
    ) -> Result<ClickatellAnswer<SendMessagesListResponse>, ClickatellError> {
        let result = self.accept_clickatell(request);
        match result.error_code {
            None => Ok(OrThrottled::Answer(HttpResponseAccepted(result))),
            Some(_) => Err(ProviderError {
                status: ErrorStatusCode::BAD_REQUEST,
                body: Box::new(result),
            }),
        }
    }
}

/// SMS parts a text takes (as providers count them).
fn segments(text: Option<&str>) -> u32 {
    smsgate_normalize::segments::count(text.unwrap_or_default()).parts
}

/// A request validated against the spec and read as its generated type.
fn valid<T: serde::de::DeserializeOwned>(
    violations: Result<(), crate::spec::Violations>,
    value: Value,
) -> Result<T, ClickatellError> {
    violations.map_err(|v| ClickatellCode::INVALID_PARAMETER.answer(v.to_string()))?;
    serde_json::from_value(value).map_err(|e| ClickatellCode::INVALID_PARAMETER.answer(e.to_string()))
}

impl SimulatorApi for SimulatorImpl {
    type Context = Simulator;

    async fn clickatell_send(
        rqctx: RequestContext<Simulator>,
        body: RawBody<SendMessageRequest>,
    ) -> Result<ClickatellAnswer<SendMessagesListResponse>, ClickatellError> {
        let shared = &rqctx.context().0;
        shared.clickatell_checks(header(&rqctx, "authorization"), "in the Authorization header")?;
        let value = read_json(body.body)
            .await
            .map_err(|e| ClickatellCode::MALFORMED.answer(e))?;
        let request: SendMessageRequest = valid(shared.clickatell_spec.body(SEND_REST, &value), value)?;
        if let Some(throttled) = shared.clickatell_available(request.content.as_deref())? {
            return Ok(throttled);
        }
        shared.single(&request)
    }

    async fn clickatell_send_bulk(
        rqctx: RequestContext<Simulator>,
        body: RawBody<SendBulkMessageRequest>,
    ) -> Result<ClickatellAnswer<Vec<SendMessagesListResponse>>, ClickatellError> {
        let shared = &rqctx.context().0;
        shared.clickatell_checks(header(&rqctx, "authorization"), "in the Authorization header")?;
        let value = read_json(body.body)
            .await
            .map_err(|e| ClickatellCode::MALFORMED.answer(e))?;
        let request: SendBulkMessageRequest = valid(shared.clickatell_spec.body(SEND_BULK, &value), value)?;
        if request.message_list.is_empty() {
            return Err(ClickatellCode::INVALID_PARAMETER.answer("messageList: at least one message is required"));
        }
        let texts: Vec<&str> = request
            .message_list
            .iter()
            .filter_map(|m| m.content.as_deref())
            .collect();
        if let Some(throttled) = shared.clickatell_available(Some(&texts.concat()))? {
            return Ok(throttled);
        }
        let results = request
            .message_list
            .iter()
            .map(|m| shared.accept_clickatell(m))
            .collect();
        Ok(OrThrottled::Answer(HttpResponseAccepted(results)))
    }

    async fn clickatell_send_http(
        rqctx: RequestContext<Simulator>,
        query: RawQuery<HttpSendParams>,
    ) -> Result<ClickatellAnswer<SendMessagesListResponse>, ClickatellError> {
        let shared = &rqctx.context().0;
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.raw.as_bytes()).into_owned().collect();
        let param = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        shared.clickatell_checks(param("apiKey"), "as the apiKey query parameter")?;
        let request: SendMessageRequest = valid(
            shared.clickatell_spec.query(SEND_HTTP, &query.raw),
            json!({
                "to": [param("to")], "content": param("content"),
                "from": param("from"), "clientMessageId": param("clientMessageId"),
            }),
        )?;
        if let Some(throttled) = shared.clickatell_available(request.content.as_deref())? {
            return Ok(throttled);
        }
        shared.single(&request)
    }

    async fn clearline_send(
        rqctx: RequestContext<Simulator>,
        body: RawBody<SendSmsRequest>,
    ) -> Result<ClearLineAnswer, ClearLineError> {
        let shared = &rqctx.context().0;
        if !shared.key.admits(header(&rqctx, "apikey")) {
            return Err(clearline_error(
                ErrorStatusCode::UNAUTHORIZED,
                "missing or wrong API key: send it in the ApiKey header",
            ));
        }
        let bad_request = |message: String| clearline_error(ErrorStatusCode::BAD_REQUEST, message);
        let value = read_json(body.body).await.map_err(bad_request)?;
        shared
            .clearline_spec
            .body(SEND_SMS, &value)
            .map_err(|v| bad_request(v.to_string()))?;
        let request: SendSmsRequest = serde_json::from_value(value).map_err(|e| bad_request(e.to_string()))?;
        if let Some(reason) = shared.availability.refuses(&shared.dice, &shared.knobs) {
            return Err(clearline_error(ErrorStatusCode::SERVICE_UNAVAILABLE, reason));
        }
        if let Some(retry_after) = shared
            .availability
            .throttles(segments(Some(&request.message)), shared.knobs.throttle)
        {
            let body = SendSmsResponse::from_message(ErrorStatusCode::TOO_MANY_REQUESTS, THROTTLED.into());
            return Ok(OrThrottled::Throttled { body, retry_after });
        }
        let target = match request.callback_url.as_deref() {
            None => Target::Nowhere("no callbackUrl in the send request".into()),
            Some(url) => clearline_client(url).map_or_else(Target::Nowhere, Target::ClearLine),
        };
        let plan = shared.dice.plan(Provider::ClearLine, &request.phone, &shared.knobs);
        let message_id = plan.message_id.clone();
        let message = Accepted {
            provider: Provider::ClearLine,
            to: request.phone.clone(),
            from: None,
            client_message_id: None,
            accepted_at_ms: now_ms(),
            target,
        };
        play(shared, message, plan);
        tracing::info!(provider = "clearline", %message_id, "message accepted");
        Ok(OrThrottled::Answer(HttpResponseOk(SendSmsResponse {
            succeed: Some(true),
            message_id: Some(message_id),
            extra: Default::default(),
        })))
    }

    async fn send_inbound(
        rqctx: RequestContext<Simulator>,
        body: TypedBody<InboundRequest>,
    ) -> Result<HttpResponseOk<ControlOutcome>, HttpError> {
        let shared = &rqctx.context().0;
        let request = body.into_inner();
        let provider = if request.kind == InboundType::SmsReply {
            Provider::Clickatell
        } else {
            Provider::ClearLine
        };
        let message_id = shared.dice.message_id(provider);
        let payload = &inbound(&request, &message_id, now_ms());
        let receiver = &shared.receiver;
        let kind = serde_json::to_value(request.kind).expect("a type name");
        let callback = deliver(
            &shared.retry,
            pending(kind.as_str().unwrap_or_default(), false),
            || async move {
                match payload {
                    InboundPayload::SmsReply(reply) => acknowledged(
                        receiver
                            .sms
                            .send_post_sms_reply_callback()
                            .body(reply.clone())
                            .send()
                            .await,
                    ),
                    InboundPayload::OneApi(reply) => acknowledged(
                        receiver
                            .one_api
                            .send_post_omni_reply_callback()
                            .body(reply.clone())
                            .send()
                            .await,
                    ),
                }
            },
            |_| {},
        )
        .await;
        Ok(HttpResponseOk(ControlOutcome { message_id, callback }))
    }

    async fn send_smarthive_report(
        rqctx: RequestContext<Simulator>,
        body: TypedBody<SmartHiveReportRequest>,
    ) -> Result<HttpResponseOk<ControlOutcome>, HttpError> {
        let shared = &rqctx.context().0;
        let request = body.into_inner();
        let now = chrono::DateTime::from_timestamp_millis(now_ms()).expect("now is a valid time");
        let report = &smarthive_report(&request, &now.format("%Y%m%d%H%M").to_string());
        let receiver = &shared.receiver;
        let callback = deliver(
            &shared.retry,
            pending(report.status.as_deref().unwrap_or_default(), false),
            || async move {
                acknowledged(
                    receiver
                        .smarthive
                        .send_smart_hive_status_callback()
                        .body(report.clone())
                        .send()
                        .await,
                )
            },
            |_| {},
        )
        .await;
        Ok(HttpResponseOk(ControlOutcome {
            message_id: request.msg_id,
            callback,
        }))
    }

    async fn start_outage(
        rqctx: RequestContext<Simulator>,
        body: TypedBody<OutageRequest>,
    ) -> Result<HttpResponseOk<OutageView>, HttpError> {
        let seconds = body.into_inner().seconds;
        let duration = Duration::try_from_secs_f64(seconds).map_err(|_| {
            HttpError::for_bad_request(
                None,
                format!("seconds must be a number of seconds from 0, not {seconds}"),
            )
        })?;
        rqctx.context().0.availability.down_for(duration);
        let until = now_ms().saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX));
        tracing::info!(seconds, "outage: refusing every send request");
        Ok(HttpResponseOk(OutageView { down_until: until }))
    }

    async fn list_messages(rqctx: RequestContext<Simulator>) -> Result<HttpResponseOk<MessagesView>, HttpError> {
        let shared = &rqctx.context().0;
        let availability = &shared.availability;
        Ok(HttpResponseOk(
            shared.ledger.view(availability.refused(), availability.throttled()),
        ))
    }
}
