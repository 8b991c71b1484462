//! Why a server refuses a publish or a play, and the `NetStream` status code
//! each reason is answered with (what clients such as ffmpeg and OBS show).

/// The kind of a refusal; a server keeps its own detailed reasons and maps
/// each to one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The stream name (or its vhost) is not acceptable.
    BadName,
    /// Someone already publishes this stream.
    StreamBusy,
    /// Not allowed (refer check, hook, token, policy).
    Denied,
}

impl Refusal {
    /// The status code of a refused publish.
    pub fn publish_code(self) -> &'static str {
        match self {
            // SRS answers a busy stream with BadName too (FMS did the same).
            Refusal::BadName | Refusal::StreamBusy => "NetStream.Publish.BadName",
            Refusal::Denied => "NetStream.Publish.Denied",
        }
    }

    /// The status code of a refused play.
    pub fn play_code(self) -> &'static str {
        "NetStream.Play.Failed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(Refusal::BadName.publish_code(), "NetStream.Publish.BadName");
        assert_eq!(
            Refusal::StreamBusy.publish_code(),
            "NetStream.Publish.BadName"
        );
        assert_eq!(Refusal::Denied.publish_code(), "NetStream.Publish.Denied");
        assert_eq!(Refusal::Denied.play_code(), "NetStream.Play.Failed");
    }
}
