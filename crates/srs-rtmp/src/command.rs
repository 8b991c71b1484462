//! Typed RTMP commands (AMF0 command messages) and the answers a server or a
//! client builds. Parse and emit live side by side.

use bytes::Bytes;
use srs_kernel::amf0::{self, Amf0Value};

use crate::error::RtmpError;

/// The fields of a `connect` command that the server looks at.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectCommand {
    /// Transaction id (1 for every known client).
    pub transaction_id: f64,
    /// The application (`live`, possibly with `?vhost=...`).
    pub app: String,
    /// The URL the client connected to, e.g. `rtmp://host:1935/live`.
    pub tc_url: String,
    /// The web page that embeds a Flash player (for refer checks); empty when absent.
    pub page_url: String,
    /// The player's SWF URL; empty when absent.
    pub swf_url: String,
    /// AMF encoding the client asked for (0 = AMF0, 3 = AMF3).
    pub object_encoding: f64,
    /// Optional extra arguments after the command object.
    pub args: Option<Amf0Value>,
}

/// A command received on a connection, typed by its name.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `connect(props)`.
    Connect(ConnectCommand),
    /// `createStream()`.
    CreateStream {
        /// Transaction id.
        transaction_id: f64,
    },
    /// `releaseStream(name)` (FMLE, ffmpeg, OBS before publishing).
    ReleaseStream {
        /// Transaction id.
        transaction_id: f64,
        /// The stream name.
        stream: String,
    },
    /// `FCPublish(name)`.
    FcPublish {
        /// Transaction id.
        transaction_id: f64,
        /// The stream name.
        stream: String,
    },
    /// `FCUnpublish(name)`.
    FcUnpublish {
        /// Transaction id.
        transaction_id: f64,
        /// The stream name.
        stream: String,
    },
    /// `publish(name, type)`.
    Publish {
        /// Transaction id.
        transaction_id: f64,
        /// The stream name with its query string.
        stream: String,
        /// `live`, `record` or `append`.
        kind: String,
    },
    /// `play(name, start, duration, reset)`.
    Play {
        /// Transaction id.
        transaction_id: f64,
        /// The stream name with its query string.
        stream: String,
        /// Start in seconds (-2 = live or recorded, -1 = live only).
        start: f64,
        /// Duration in seconds (-1 = until the end).
        duration: f64,
    },
    /// `pause(flag, position)`.
    Pause {
        /// Transaction id.
        transaction_id: f64,
        /// True to pause, false to resume.
        pause: bool,
        /// Stream position in ms.
        position: f64,
    },
    /// `deleteStream(id)`.
    DeleteStream {
        /// Transaction id.
        transaction_id: f64,
        /// The stream id to delete.
        stream_id: f64,
    },
    /// `closeStream()`.
    CloseStream {
        /// Transaction id.
        transaction_id: f64,
    },
    /// `_result` / `_error` answers (seen by clients).
    Response {
        /// True for `_result`, false for `_error`.
        success: bool,
        /// The transaction answered.
        transaction_id: f64,
        /// The values after the transaction id (command object, info...).
        values: Vec<Amf0Value>,
    },
    /// `onStatus(null, info)`.
    OnStatus {
        /// The info object (level, code, description).
        info: Amf0Value,
    },
    /// Any other command: name, transaction id, arguments.
    Other {
        /// Command name.
        name: String,
        /// Transaction id (0 when absent).
        transaction_id: f64,
        /// Values after the command object.
        args: Vec<Amf0Value>,
    },
}

fn string_at(values: &[Amf0Value], i: usize) -> String {
    values
        .get(i)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

fn number_at(values: &[Amf0Value], i: usize, default: f64) -> f64 {
    values.get(i).and_then(|v| v.as_f64()).unwrap_or(default)
}

fn prop_str(obj: &Amf0Value, key: &str) -> String {
    obj.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

impl Command {
    /// Parses an AMF0 command payload (message type 20). For AMF3 commands
    /// (type 17) the caller strips the leading format byte first.
    pub fn parse(payload: &[u8]) -> Result<Command, RtmpError> {
        let values = amf0::decode_all(payload)?;
        let name = match values.first() {
            Some(v) => v
                .as_str()
                .ok_or_else(|| RtmpError::Protocol("command name is not a string".into()))?
                .to_string(),
            None => return Err(RtmpError::Protocol("empty command message".into())),
        };
        let tid = number_at(&values, 1, 0.0);
        Ok(match name.as_str() {
            "connect" => {
                let props = values.get(2).ok_or_else(|| {
                    RtmpError::Protocol("connect without a command object".into())
                })?;
                if !matches!(props, Amf0Value::Object(_) | Amf0Value::EcmaArray(_)) {
                    return Err(RtmpError::Protocol(format!(
                        "connect command object is not an object: {props:?}"
                    )));
                }
                let tc_url = prop_str(props, "tcUrl");
                if tc_url.is_empty() {
                    return Err(RtmpError::Protocol("connect without tcUrl".into()));
                }
                Command::Connect(ConnectCommand {
                    transaction_id: tid,
                    app: prop_str(props, "app"),
                    tc_url,
                    page_url: prop_str(props, "pageUrl"),
                    swf_url: prop_str(props, "swfUrl"),
                    object_encoding: props
                        .get("objectEncoding")
                        .and_then(|v| v.as_f64())
                        .unwrap_or(0.0),
                    args: values.get(3).cloned(),
                })
            }
            "createStream" => Command::CreateStream {
                transaction_id: tid,
            },
            "releaseStream" => Command::ReleaseStream {
                transaction_id: tid,
                stream: string_at(&values, 3),
            },
            "FCPublish" => Command::FcPublish {
                transaction_id: tid,
                stream: string_at(&values, 3),
            },
            "FCUnpublish" => Command::FcUnpublish {
                transaction_id: tid,
                stream: string_at(&values, 3),
            },
            "publish" => {
                let stream = string_at(&values, 3);
                if stream.is_empty() {
                    return Err(RtmpError::Protocol("publish without a stream name".into()));
                }
                let kind = values
                    .get(4)
                    .and_then(|v| v.as_str())
                    .unwrap_or("live")
                    .to_string();
                Command::Publish {
                    transaction_id: tid,
                    stream,
                    kind,
                }
            }
            "play" => {
                let stream = string_at(&values, 3);
                if stream.is_empty() {
                    return Err(RtmpError::Protocol("play without a stream name".into()));
                }
                Command::Play {
                    transaction_id: tid,
                    stream,
                    start: number_at(&values, 4, -2.0),
                    duration: number_at(&values, 5, -1.0),
                }
            }
            "pause" => Command::Pause {
                transaction_id: tid,
                pause: values.get(3).and_then(|v| v.as_bool()).unwrap_or(false),
                position: number_at(&values, 4, 0.0),
            },
            "deleteStream" => Command::DeleteStream {
                transaction_id: tid,
                stream_id: number_at(&values, 3, 0.0),
            },
            "closeStream" => Command::CloseStream {
                transaction_id: tid,
            },
            "_result" | "_error" => Command::Response {
                success: name == "_result",
                transaction_id: tid,
                values: values.into_iter().skip(2).collect(),
            },
            "onStatus" => Command::OnStatus {
                info: values
                    .into_iter()
                    .skip(2)
                    .find(|v| matches!(v, Amf0Value::Object(_) | Amf0Value::EcmaArray(_)))
                    .unwrap_or(Amf0Value::Null),
            },
            // Values after the command object (usually null), as the events document.
            _ => Command::Other {
                name,
                transaction_id: tid,
                args: values.into_iter().skip(3).collect(),
            },
        })
    }
}

/// Encodes a list of AMF0 values as a message payload.
pub fn encode_values(values: &[Amf0Value]) -> Bytes {
    let mut out = Vec::with_capacity(128);
    amf0::encode_all(values, &mut out);
    Bytes::from(out)
}

fn s(v: &str) -> Amf0Value {
    Amf0Value::String(v.to_string())
}

/// An onStatus info object: `{level, code, description}` plus extra fields.
pub fn status_info(
    level: &str,
    code: &str,
    description: &str,
    extra: Vec<(&str, Amf0Value)>,
) -> Amf0Value {
    let mut props = vec![
        ("level", s(level)),
        ("code", s(code)),
        ("description", s(description)),
    ];
    props.extend(extra);
    Amf0Value::object(props)
}

/// `_result` of a successful connect, with SRS's properties and server info.
pub fn connect_result(transaction_id: f64, object_encoding: f64, server: &ServerInfo) -> Bytes {
    let props = Amf0Value::object(vec![
        ("fmsVer", s("FMS/3,5,3,888")),
        ("capabilities", Amf0Value::Number(127.0)),
        ("mode", Amf0Value::Number(1.0)),
    ]);
    let data = Amf0Value::EcmaArray(vec![
        ("srs_sig".into(), s(&server.signature)),
        ("srs_server".into(), s(&server.server)),
        ("srs_version".into(), s(&server.version)),
        (
            "srs_id".into(),
            Amf0Value::Number(server.connection_id as f64),
        ),
        ("srs_pid".into(), Amf0Value::Number(server.pid as f64)),
    ]);
    let info = status_info(
        "status",
        "NetConnection.Connect.Success",
        "Connection succeeded",
        vec![
            ("objectEncoding", Amf0Value::Number(object_encoding)),
            ("data", data),
        ],
    );
    encode_values(&[s("_result"), Amf0Value::Number(transaction_id), props, info])
}

/// `_error` of a refused connect (NetConnection.Connect.Rejected).
pub fn connect_rejected(transaction_id: f64, description: &str) -> Bytes {
    let info = status_info(
        "error",
        "NetConnection.Connect.Rejected",
        description,
        vec![],
    );
    encode_values(&[
        s("_error"),
        Amf0Value::Number(transaction_id),
        Amf0Value::Null,
        info,
    ])
}

/// Server identity carried in the connect answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerInfo {
    /// Short signature, e.g. `SRS/1.0`.
    pub signature: String,
    /// Server product name.
    pub server: String,
    /// Server version string.
    pub version: String,
    /// The connection's context id.
    pub connection_id: u64,
    /// Server process id.
    pub pid: u32,
}

/// `onBWDone(0, null)`, sent after a connect so Flash clients carry on.
pub fn on_bw_done() -> Bytes {
    encode_values(&[s("onBWDone"), Amf0Value::Number(0.0), Amf0Value::Null])
}

/// `_result(tid, null, value)`: the generic answer (createStream gets the stream id).
pub fn result(transaction_id: f64, value: Amf0Value) -> Bytes {
    encode_values(&[
        s("_result"),
        Amf0Value::Number(transaction_id),
        Amf0Value::Null,
        value,
    ])
}

/// `onStatus(0, null, info)`.
pub fn on_status(info: Amf0Value) -> Bytes {
    encode_values(&[s("onStatus"), Amf0Value::Number(0.0), Amf0Value::Null, info])
}

/// `onFCPublish` / `onFCUnpublish`: `name(0, null, {code, description})`.
pub fn on_fc(name: &str, code: &str, description: &str) -> Bytes {
    let info = Amf0Value::object(vec![("code", s(code)), ("description", s(description))]);
    encode_values(&[s(name), Amf0Value::Number(0.0), Amf0Value::Null, info])
}

/// `|RtmpSampleAccess(true, true)` data message sent at play start.
pub fn sample_access() -> Bytes {
    encode_values(&[
        s("|RtmpSampleAccess"),
        Amf0Value::Boolean(true),
        Amf0Value::Boolean(true),
    ])
}

/// Builds a client-side command: `name(tid, command_object, args...)`.
pub fn client_command(
    name: &str,
    transaction_id: f64,
    object: Amf0Value,
    args: Vec<Amf0Value>,
) -> Bytes {
    let mut values = vec![s(name), Amf0Value::Number(transaction_id), object];
    values.extend(args);
    encode_values(&values)
}

/// Normalizes a script data message for caching and forwarding: the
/// `@setDataFrame` wrapper publishers send is dropped, so players receive
/// `onMetaData(obj)`. Returns `None` when the payload is not metadata.
pub fn normalize_metadata(payload: &Bytes) -> Option<Bytes> {
    let mut rest: &[u8] = payload;
    let first = amf0::decode(&mut rest).ok()?;
    match first.as_str()? {
        "@setDataFrame" => {
            let consumed = payload.len() - rest.len();
            let mut probe = rest;
            let second = amf0::decode(&mut probe).ok()?;
            if second.as_str()? == "onMetaData" {
                Some(payload.slice(consumed..))
            } else {
                None
            }
        }
        "onMetaData" => Some(payload.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect_payload() -> Vec<u8> {
        let mut out = Vec::new();
        amf0::encode_all(
            &[
                s("connect"),
                Amf0Value::Number(1.0),
                Amf0Value::object(vec![
                    ("app", s("live")),
                    ("tcUrl", s("rtmp://127.0.0.1:1935/live")),
                    ("pageUrl", s("http://www.example.com/player.html")),
                    ("objectEncoding", Amf0Value::Number(3.0)),
                ]),
            ],
            &mut out,
        );
        out
    }

    #[test]
    fn parses_connect() {
        let cmd = Command::parse(&connect_payload()).expect("connect parses");
        match cmd {
            Command::Connect(c) => {
                assert_eq!(c.transaction_id, 1.0);
                assert_eq!(c.app, "live");
                assert_eq!(c.tc_url, "rtmp://127.0.0.1:1935/live");
                assert_eq!(c.page_url, "http://www.example.com/player.html");
                assert_eq!(c.object_encoding, 3.0);
            }
            other => panic!("not a connect: {other:?}"),
        }
    }

    #[test]
    fn connect_without_tcurl_or_object_is_an_error() {
        let mut out = Vec::new();
        amf0::encode_all(&[s("connect"), Amf0Value::Number(1.0)], &mut out);
        assert!(Command::parse(&out).is_err());
        let mut out = Vec::new();
        amf0::encode_all(
            &[
                s("connect"),
                Amf0Value::Number(1.0),
                Amf0Value::object(vec![("app", s("live"))]),
            ],
            &mut out,
        );
        assert!(Command::parse(&out).is_err());
    }

    #[test]
    fn parses_publish_play_and_unknown() {
        let publish = client_command(
            "publish",
            5.0,
            Amf0Value::Null,
            vec![s("livestream"), s("live")],
        );
        assert_eq!(
            Command::parse(&publish).expect("publish"),
            Command::Publish {
                transaction_id: 5.0,
                stream: "livestream".into(),
                kind: "live".into()
            }
        );
        let play = client_command(
            "play",
            4.0,
            Amf0Value::Null,
            vec![s("s?token=1"), Amf0Value::Number(-2.0)],
        );
        assert_eq!(
            Command::parse(&play).expect("play"),
            Command::Play {
                transaction_id: 4.0,
                stream: "s?token=1".into(),
                start: -2.0,
                duration: -1.0
            }
        );
        let other = client_command("getStreamLength", 7.0, Amf0Value::Null, vec![s("x")]);
        assert!(
            matches!(Command::parse(&other), Ok(Command::Other { transaction_id, .. }) if transaction_id == 7.0)
        );
        assert!(Command::parse(&[]).is_err());
        assert!(Command::parse(&[0x00, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn connect_result_round_trips_as_response() {
        let info = ServerInfo {
            signature: "SRS/1".into(),
            ..Default::default()
        };
        let bytes = connect_result(1.0, 0.0, &info);
        match Command::parse(&bytes).expect("response") {
            Command::Response {
                success,
                transaction_id,
                values,
            } => {
                assert!(success);
                assert_eq!(transaction_id, 1.0);
                assert_eq!(
                    values[0].get("fmsVer").and_then(|v| v.as_str()),
                    Some("FMS/3,5,3,888")
                );
                assert_eq!(
                    values[1].get("code").and_then(|v| v.as_str()),
                    Some("NetConnection.Connect.Success")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn set_data_frame_is_unwrapped() {
        let meta = Amf0Value::EcmaArray(vec![("width".into(), Amf0Value::Number(640.0))]);
        let wrapped = encode_values(&[s("@setDataFrame"), s("onMetaData"), meta.clone()]);
        let plain = encode_values(&[s("onMetaData"), meta]);
        assert_eq!(normalize_metadata(&wrapped), Some(plain.clone()));
        assert_eq!(normalize_metadata(&plain), Some(plain));
        assert_eq!(normalize_metadata(&encode_values(&[s("onCuePoint")])), None);
        assert_eq!(normalize_metadata(&Bytes::from_static(&[0xff])), None);
    }
}
