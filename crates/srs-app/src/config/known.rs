//! Every directive SRS knows (1.0's `full.conf`, plus the SRS 2.0 ones operators use), and how far
//! this server implements each one.
//!
//! This is the single table to edit when a feature lands: flip its `Unsupported` to `Implemented`
//! and read the values in [`super::model`].
//!
//! - A name not in the table is an error (`unknown directive`).
//! - An `Unsupported` directive gives one warning (`not supported yet, ignored`) at the outermost
//!   unsupported node; its children are still checked against the table.
//! - The children of a `Free` block (ffmpeg's `vfilter`, `vparams`, `aparams`) are ffmpeg
//!   options and are not checked.

use Shape::{Block, Free, Leaf};
use Support::{Implemented as I, Unsupported as U};

/// The form a directive takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `name args;`
    Leaf,
    /// `name args { known children }`
    Block,
    /// `name args { any children }` (ffmpeg options).
    Free,
}

/// How far this server implements a directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Parsed into the typed model and acted on.
    Implemented,
    /// Known to SRS, accepted, warned about and ignored.
    Unsupported,
}

/// Which SRS version introduced a directive (for messages and documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// In SRS 1.0's `full.conf`.
    Srs1,
    /// Added by SRS 2.0.
    Srs2,
    /// Added by a later SRS (3.0 to 7.0).
    SrsLater,
    /// This server's own addition (SRS does not know it).
    SrsRs,
}

/// One entry of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDirective {
    /// The path of block names and the directive's name, joined with `.`:
    /// `vhost.hls.hls_fragment`.
    pub path: &'static str,
    /// Its form.
    pub shape: Shape,
    /// Whether this server implements it.
    pub support: Support,
    /// Which SRS version has it.
    pub since: Since,
}

const fn d(path: &'static str, shape: Shape, support: Support, since: Since) -> KnownDirective {
    KnownDirective {
        path,
        shape,
        support,
        since,
    }
}

use Since::{Srs1 as V1, Srs2 as V2, SrsLater as Later};

/// The table: every known directive, parents before children.
#[rustfmt::skip]
pub const KNOWN_DIRECTIVES: &[KnownDirective] = &[
    // ---- root -------------------------------------------------------------------------------
    d("listen",                              Leaf,  I, V1), // 2.0 also ip:port
    d("pid",                                 Leaf,  I, V1),
    d("chunk_size",                          Leaf,  I, V1),
    d("ff_log_dir",                          Leaf,  I, V1),
    d("srs_log_tank",                        Leaf,  I, V1),
    d("srs_log_level",                       Leaf,  I, V1),
    d("srs_log_file",                        Leaf,  I, V1),
    d("max_connections",                     Leaf,  I, V1),
    d("daemon",                              Leaf,  I, V1),
    d("utc_time",                            Leaf,  U, V2),
    d("pithy_print_ms",                      Leaf,  U, V2),
    // heartbeat
    d("heartbeat",                           Block, I, V1),
    d("heartbeat.enabled",                   Leaf,  I, V1),
    d("heartbeat.interval",                  Leaf,  I, V1),
    d("heartbeat.url",                       Leaf,  I, V1),
    d("heartbeat.device_id",                 Leaf,  I, V1),
    d("heartbeat.summaries",                 Leaf,  I, V1),
    // stats
    d("stats",                               Block, U, V1),
    d("stats.network",                       Leaf,  U, V1),
    d("stats.disk",                          Leaf,  U, V1),
    // http api
    d("http_api",                            Block, I, V1),
    d("http_api.enabled",                    Leaf,  I, V1),
    d("http_api.listen",                     Leaf,  I, V1),
    d("http_api.crossdomain",                Leaf,  I, V2),
    d("http_api.auth",                       Block, I, Later),
    d("http_api.auth.enabled",               Leaf,  I, Later),
    d("http_api.auth.username",              Leaf,  I, Later),
    d("http_api.auth.password",              Leaf,  I, Later),
    // http server: `http_stream` in 1.0, `http_server` in 2.0 (same thing)
    d("http_stream",                         Block, I, V1),
    d("http_stream.enabled",                 Leaf,  I, V1),
    d("http_stream.listen",                  Leaf,  I, V1),
    d("http_stream.dir",                     Leaf,  I, V1),
    d("http_server",                         Block, I, V2),
    d("http_server.enabled",                 Leaf,  I, V2),
    d("http_server.listen",                  Leaf,  I, V2),
    d("http_server.dir",                     Leaf,  I, V2),
    // pithy print (1.0)
    d("pithy_print",                         Block, I, V1),
    d("pithy_print.publish",                 Leaf,  I, V1),
    d("pithy_print.play",                    Leaf,  I, V1),
    d("pithy_print.forwarder",               Leaf,  U, V1),
    d("pithy_print.encoder",                 Leaf,  U, V1),
    d("pithy_print.ingester",                Leaf,  U, V1),
    d("pithy_print.hls",                     Leaf,  U, V1),
    d("pithy_print.edge",                    Leaf,  U, V1),
    // stream caster (2.0)
    d("stream_caster",                       Block, U, V2),
    d("stream_caster.enabled",               Leaf,  U, V2),
    d("stream_caster.caster",                Leaf,  U, V2),
    d("stream_caster.output",                Leaf,  U, V2),
    d("stream_caster.listen",                Leaf,  U, V2),
    d("stream_caster.rtp_port_min",          Leaf,  U, V2),
    d("stream_caster.rtp_port_max",          Leaf,  U, V2),

    // ---- vhost ------------------------------------------------------------------------------
    d("vhost",                               Block, I, V1),
    d("vhost.enabled",                       Leaf,  I, V1),
    d("vhost.chunk_size",                    Leaf,  I, V1),
    d("vhost.mode",                          Leaf,  I, V1),
    d("vhost.origin",                        Leaf,  I, V1),
    d("vhost.token_traverse",                Leaf,  I, V1),
    d("vhost.gop_cache",                     Leaf,  I, V1),
    d("vhost.queue_length",                  Leaf,  I, V1),
    d("vhost.refer",                         Leaf,  I, V1),
    d("vhost.refer_publish",                 Leaf,  I, V1),
    d("vhost.refer_play",                    Leaf,  I, V1),
    d("vhost.forward",                       Leaf,  I, V1),
    d("vhost.time_jitter",                   Leaf,  I, V1),
    d("vhost.atc",                           Leaf,  I, V1),
    d("vhost.atc_auto",                      Leaf,  U, V1),
    d("vhost.debug_srs_upnode",              Leaf,  U, V1),
    d("vhost.mw_latency",                    Leaf,  I, V2),
    d("vhost.mix_correct",                   Leaf,  U, V2),
    d("vhost.min_latency",                   Leaf,  U, V2),
    d("vhost.tcp_nodelay",                   Leaf,  U, V2),
    d("vhost.send_min_interval",             Leaf,  U, V2),
    d("vhost.reduce_sequence_header",        Leaf,  U, V2),
    d("vhost.publish_1stpkt_timeout",        Leaf,  U, V2),
    d("vhost.publish_normal_timeout",        Leaf,  U, V2),
    // vhost.mr (2.0 merged read)
    d("vhost.mr",                            Block, U, V2),
    d("vhost.mr.enabled",                    Leaf,  U, V2),
    d("vhost.mr.latency",                    Leaf,  U, V2),
    // vhost.security (2.0)
    d("vhost.security",                      Block, U, V2),
    d("vhost.security.enabled",              Leaf,  U, V2),
    d("vhost.security.allow",                Leaf,  U, V2),
    d("vhost.security.deny",                 Leaf,  U, V2),
    // vhost.hls
    d("vhost.hls",                           Block, I, V1),
    d("vhost.hls.enabled",                   Leaf,  I, V1),
    d("vhost.hls.hls_path",                  Leaf,  I, V1),
    d("vhost.hls.hls_fragment",              Leaf,  I, V1),
    d("vhost.hls.hls_window",                Leaf,  I, V1),
    d("vhost.hls.hls_on_error",              Leaf,  I, V1),
    d("vhost.hls.hls_entry_prefix",          Leaf,  U, V2),
    d("vhost.hls.hls_storage",               Leaf,  U, V2),
    d("vhost.hls.hls_mount",                 Leaf,  U, V2),
    d("vhost.hls.hls_td_ratio",              Leaf,  U, V2),
    d("vhost.hls.hls_aof_ratio",             Leaf,  U, V2),
    d("vhost.hls.hls_acodec",                Leaf,  U, V2),
    d("vhost.hls.hls_vcodec",                Leaf,  U, V2),
    d("vhost.hls.hls_m3u8_file",             Leaf,  U, V2),
    d("vhost.hls.hls_ts_file",               Leaf,  U, V2),
    d("vhost.hls.hls_ts_floor",              Leaf,  U, V2),
    d("vhost.hls.hls_cleanup",               Leaf,  U, V2),
    d("vhost.hls.hls_nb_notify",             Leaf,  U, V2),
    d("vhost.hls.hls_wait_keyframe",         Leaf,  U, V2),
    d("vhost.hls.hls_dispose",               Leaf,  U, V2),
    // vhost.hds (2.0)
    d("vhost.hds",                           Block, U, V2),
    d("vhost.hds.enabled",                   Leaf,  U, V2),
    d("vhost.hds.hds_fragment",              Leaf,  U, V2),
    d("vhost.hds.hds_window",                Leaf,  U, V2),
    d("vhost.hds.hds_path",                  Leaf,  U, V2),
    // vhost.dvr
    d("vhost.dvr",                           Block, I, V1),
    d("vhost.dvr.enabled",                   Leaf,  I, V1),
    d("vhost.dvr.dvr_path",                  Leaf,  I, V1),
    d("vhost.dvr.dvr_plan",                  Leaf,  I, V1),
    d("vhost.dvr.dvr_duration",              Leaf,  I, V1),
    d("vhost.dvr.dvr_wait_keyframe",         Leaf,  I, V1),
    d("vhost.dvr.time_jitter",               Leaf,  I, V1),
    // vhost.http: `http` in 1.0, `http_static` in 2.0 (same thing)
    d("vhost.http",                          Block, I, V1),
    d("vhost.http.enabled",                  Leaf,  I, V1),
    d("vhost.http.mount",                    Leaf,  I, V1),
    d("vhost.http.dir",                      Leaf,  I, V1),
    d("vhost.http_static",                   Block, I, V2),
    d("vhost.http_static.enabled",           Leaf,  I, V2),
    d("vhost.http_static.mount",             Leaf,  I, V2),
    d("vhost.http_static.dir",               Leaf,  I, V2),
    // vhost.http_remux (2.0: HTTP-FLV / HTTP-AAC / ...)
    d("vhost.http_remux",                    Block, I, V2),
    d("vhost.http_remux.enabled",            Leaf,  I, V2),
    d("vhost.http_remux.mount",              Leaf,  I, V2),
    d("vhost.http_remux.fast_cache",         Leaf,  U, V2),
    d("vhost.http_remux.hstrs",              Leaf,  U, V2),
    // vhost.http_hooks
    d("vhost.http_hooks",                    Block, I, V1),
    d("vhost.http_hooks.enabled",            Leaf,  I, V1),
    d("vhost.http_hooks.on_connect",         Leaf,  I, V1),
    d("vhost.http_hooks.on_close",           Leaf,  I, V1),
    d("vhost.http_hooks.on_publish",         Leaf,  I, V1),
    d("vhost.http_hooks.on_unpublish",       Leaf,  I, V1),
    d("vhost.http_hooks.on_play",            Leaf,  I, V1),
    d("vhost.http_hooks.on_stop",            Leaf,  I, V1),
    d("vhost.http_hooks.on_dvr",             Leaf,  I, V2),
    d("vhost.http_hooks.timeout",            Leaf,  I, Since::SrsRs),
    d("vhost.http_hooks.on_hls",             Leaf,  U, V2),
    d("vhost.http_hooks.on_hls_notify",      Leaf,  U, V2),
    // vhost.bandcheck
    d("vhost.bandcheck",                     Block, I, V1),
    d("vhost.bandcheck.enabled",             Leaf,  I, V1),
    d("vhost.bandcheck.key",                 Leaf,  I, V1),
    d("vhost.bandcheck.interval",            Leaf,  I, V1),
    d("vhost.bandcheck.limit_kbps",          Leaf,  I, V1),
    // vhost.transcode (kept as a raw subtree in the model)
    d("vhost.transcode",                     Block, I, V1),
    d("vhost.transcode.enabled",             Leaf,  I, V1),
    d("vhost.transcode.ffmpeg",              Leaf,  I, V1),
    d("vhost.transcode.engine",              Block, I, V1),
    d("vhost.transcode.engine.enabled",      Leaf,  I, V1),
    d("vhost.transcode.engine.iformat",      Leaf,  I, V1),
    d("vhost.transcode.engine.vfilter",      Free,  I, V1),
    d("vhost.transcode.engine.vcodec",       Leaf,  I, V1),
    d("vhost.transcode.engine.vbitrate",     Leaf,  I, V1),
    d("vhost.transcode.engine.vfps",         Leaf,  I, V1),
    d("vhost.transcode.engine.vwidth",       Leaf,  I, V1),
    d("vhost.transcode.engine.vheight",      Leaf,  I, V1),
    d("vhost.transcode.engine.vthreads",     Leaf,  I, V1),
    d("vhost.transcode.engine.vprofile",     Leaf,  I, V1),
    d("vhost.transcode.engine.vpreset",      Leaf,  I, V1),
    d("vhost.transcode.engine.vparams",      Free,  I, V1),
    d("vhost.transcode.engine.acodec",       Leaf,  I, V1),
    d("vhost.transcode.engine.abitrate",     Leaf,  I, V1),
    d("vhost.transcode.engine.asample_rate", Leaf,  I, V1),
    d("vhost.transcode.engine.achannels",    Leaf,  I, V1),
    d("vhost.transcode.engine.aparams",      Free,  I, V1),
    d("vhost.transcode.engine.oformat",      Leaf,  I, V1),
    d("vhost.transcode.engine.output",       Leaf,  I, V1),
    // vhost.ingest (kept as a raw subtree in the model); its engine is a transcode engine
    d("vhost.ingest",                        Block, I, V1),
    d("vhost.ingest.enabled",                Leaf,  I, V1),
    d("vhost.ingest.input",                  Block, I, V1),
    d("vhost.ingest.input.type",             Leaf,  I, V1),
    d("vhost.ingest.input.url",              Leaf,  I, V1),
    d("vhost.ingest.ffmpeg",                 Leaf,  I, V1),
    d("vhost.ingest.engine",                 Block, I, V1),
    d("vhost.ingest.engine.enabled",         Leaf,  I, V1),
    d("vhost.ingest.engine.iformat",         Leaf,  I, V1),
    d("vhost.ingest.engine.vfilter",         Free,  I, V1),
    d("vhost.ingest.engine.vcodec",          Leaf,  I, V1),
    d("vhost.ingest.engine.vbitrate",        Leaf,  I, V1),
    d("vhost.ingest.engine.vfps",            Leaf,  I, V1),
    d("vhost.ingest.engine.vwidth",          Leaf,  I, V1),
    d("vhost.ingest.engine.vheight",         Leaf,  I, V1),
    d("vhost.ingest.engine.vthreads",        Leaf,  I, V1),
    d("vhost.ingest.engine.vprofile",        Leaf,  I, V1),
    d("vhost.ingest.engine.vpreset",         Leaf,  I, V1),
    d("vhost.ingest.engine.vparams",         Free,  I, V1),
    d("vhost.ingest.engine.acodec",          Leaf,  I, V1),
    d("vhost.ingest.engine.abitrate",        Leaf,  I, V1),
    d("vhost.ingest.engine.asample_rate",    Leaf,  I, V1),
    d("vhost.ingest.engine.achannels",       Leaf,  I, V1),
    d("vhost.ingest.engine.aparams",         Free,  I, V1),
    d("vhost.ingest.engine.oformat",         Leaf,  I, V1),
    d("vhost.ingest.engine.output",          Leaf,  I, V1),
];

/// Looks up a directive by its block path and name: `lookup(&["vhost", "hls"], "hls_window")`.
pub fn lookup<S: AsRef<str>>(parents: &[S], name: &str) -> Option<&'static KnownDirective> {
    KNOWN_DIRECTIVES
        .iter()
        .find(|k| path_matches(k.path, parents, name))
}

fn path_matches<S: AsRef<str>>(path: &str, parents: &[S], name: &str) -> bool {
    let mut parts = path.split('.');
    for p in parents {
        if parts.next() != Some(p.as_ref()) {
            return false;
        }
    }
    parts.next() == Some(name) && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_path() {
        let k = lookup(&["vhost", "hls"], "hls_window").unwrap();
        assert_eq!((k.shape, k.support), (Shape::Leaf, Support::Implemented));
        assert_eq!(lookup::<&str>(&[], "transcode"), None);
        assert_eq!(
            lookup(&["vhost"], "transcode").unwrap().support,
            Support::Implemented
        );
        assert_eq!(
            lookup(&["vhost"], "debug_srs_upnode").unwrap().support,
            Support::Unsupported
        );
        assert_eq!(lookup::<&str>(&[], "include"), None);
        assert_eq!(lookup(&["vhost", "hls"], "hls"), None);
    }

    #[test]
    fn table_is_consistent() {
        for (i, k) in KNOWN_DIRECTIVES.iter().enumerate() {
            // no duplicates
            assert!(
                KNOWN_DIRECTIVES[..i].iter().all(|o| o.path != k.path),
                "duplicate {}",
                k.path
            );
            // every parent is a listed block, listed before
            if let Some((parent, _)) = k.path.rsplit_once('.') {
                let p = KNOWN_DIRECTIVES[..i].iter().find(|o| o.path == parent);
                let p = p.unwrap_or_else(|| panic!("parent of {} missing", k.path));
                assert_eq!(p.shape, Shape::Block, "{}", k.path);
                // an implemented child of an unsupported block would never be read
                if p.support == Support::Unsupported {
                    assert_eq!(k.support, Support::Unsupported, "{}", k.path);
                }
            }
        }
    }
}
