// The srs console's script: polls the API on this page's own origin every 2 s,
// draws the summary, the stream and client lists, a traffic chart, players
// (mpegts.js for HTTP-FLV, hls.js for HLS) and the publish URLs.
// Every name comes from the API or the user and goes in as text, never as HTML.
'use strict';

(() => {
  const POLL_MS = 2000;
  const HISTORY = 90; // chart points: 3 minutes at 2 s
  const DEFAULT_VHOST = '__defaultVhost__';

  const state = {
    auth: sessionStorage.getItem('srs-console-auth') || '',
    summary: null,
    vhosts: [],
    streams: [],
    clients: [],
    history: [], // {t, inKbps, outKbps}
    lastBytes: null, // {t, recv, send} of the previous summary
    selected: null, // key of the stream in the player
    players: { flv: null, hls: null },
    hlsRetry: null,
  };

  const $ = (id) => document.getElementById(id);

  /** An element with text content and attributes; children appended as given. */
  function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  class AuthError extends Error {}

  /** A call to the API. `credentials: 'omit'` keeps the browser's own Basic
   *  prompt away: the login form sets the Authorization header instead. */
  async function api(path, method = 'GET') {
    const headers = state.auth ? { Authorization: 'Basic ' + state.auth } : {};
    const res = await fetch(path, { method, headers, credentials: 'omit', cache: 'no-store' });
    if (res.status === 401) throw new AuthError('credentials needed');
    let body = null;
    try { body = await res.json(); } catch (_) { /* not JSON: reported below */ }
    if (res.status === 404 && !body) {
      // The file server answered: this server runs without http_api.
      throw new Error('The HTTP API is off: the console needs http_api { enabled on; } in the config.');
    }
    if (!res.ok || !body || body.code !== 0) {
      throw new Error(`${method} ${path}: HTTP ${res.status}` + (body ? `, code ${body.code}` : ''));
    }
    return body;
  }

  // ---- formatting -------------------------------------------------------

  function fmtDuration(secs) {
    secs = Math.max(0, Math.floor(secs || 0));
    const d = Math.floor(secs / 86400), h = Math.floor(secs / 3600) % 24;
    const m = Math.floor(secs / 60) % 60, s = secs % 60;
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${m}m`;
    if (m) return `${m}m ${s}s`;
    return `${s}s`;
  }

  function fmtBytes(n) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    n = Number(n) || 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : String(n)) + ' ' + units[i];
  }

  function fmtKbps(k) {
    k = Number(k) || 0;
    return k >= 1000 ? (k / 1000).toFixed(2) + ' Mbps' : Math.round(k) + ' kbps';
  }

  function pct(ratio) {
    const p = 100 * (Number(ratio) || 0);
    return p > 0 && p < 0.1 ? '< 0.1 %' : p.toFixed(1) + ' %';
  }

  // ---- URLs -------------------------------------------------------------

  const host = () => location.hostname.includes(':') && !location.hostname.startsWith('[')
    ? `[${location.hostname}]` : location.hostname;
  const encPath = (p) => String(p).split('/').map(encodeURIComponent).join('/');

  function rtmpBase() {
    const ports = state.summary?.self?.listen?.rtmp || [];
    const port = ports.length ? ports[0] : 1935;
    return `rtmp://${host()}${port === 1935 ? '' : ':' + port}`;
  }

  /** The play URLs of a stream (null where the vhost does not serve it). */
  function playUrls(s) {
    const vhost = state.vhosts.find((v) => v.name === s.vhost_name) || {};
    const query = s.vhost_name === DEFAULT_VHOST ? '' : '?vhost=' + encodeURIComponent(s.vhost_name);
    const urls = { rtmp: `${rtmpBase()}/${encPath(s.app)}/${encodeURIComponent(s.name)}${query}` };
    const remux = vhost.http_remux;
    if (remux && remux.enabled) {
      // Same rule as the server's mounts: [vhost] is dropped for the default vhost.
      let path = s.vhost_name === DEFAULT_VHOST
        ? remux.mount.replace('[vhost]/', '').replace('[vhost]', '')
        : remux.mount.replace('[vhost]', encodeURIComponent(s.vhost_name));
      path = path.replace('[app]', encPath(s.app)).replace('[stream]', encodeURIComponent(s.name));
      urls.flv = new URL(path.startsWith('/') ? path : '/' + path, location.href).href;
    }
    if (vhost.hls && vhost.hls.enabled) {
      // As conf/srs.conf: hls_path is the HTTP server's dir (docs/console.md).
      urls.hls = new URL(`/${encPath(s.app)}/${encodeURIComponent(s.name)}.m3u8`, location.href).href;
    }
    return urls;
  }

  const streamKey = (s) => `${s.vhost_name}/${s.app}/${s.name}`;

  /** A row of label, read-only field and copy button. */
  function copyRow(label, value) {
    const input = el('input', { readonly: '', value, spellcheck: 'false' });
    const button = el('button', { class: 'btn ghost', type: 'button', text: 'Copy' });
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(value);
      } catch (_) {
        // No clipboard API outside secure contexts: the old way.
        input.select();
        document.execCommand('copy');
      }
      button.textContent = 'Copied';
      setTimeout(() => { button.textContent = 'Copy'; }, 1200);
    });
    return [el('span', { class: 'label', text: label }), input, button];
  }

  // ---- summary and chart ------------------------------------------------

  function renderSummary(sum) {
    const self = sum.self || {}, sys = sum.system || {};
    $('s-version').textContent = self.version || '–';
    $('s-pid').textContent = self.pid ? `pid ${self.pid}` : '';
    $('s-uptime').textContent = fmtDuration(self.srs_uptime);
    $('s-conns').textContent = `${sys.conn_srs ?? 0} connections`;
    $('s-cpu').textContent = pct(self.cpu_percent);
    $('s-cpu-sys').textContent = `machine ${pct(sys.cpu_percent)} of ${sys.cpus || '?'} CPUs`;
    $('s-mem').textContent = fmtBytes((self.mem_kbyte || 0) * 1024);
    $('s-mem-sys').textContent = `${pct(self.mem_percent)} of ${fmtBytes((sys.mem_ram_kbyte || 0) * 1024)}`;

    // Rates from byte counters between two polls: smoother than the server's
    // 5-second samples; the first point uses those.
    const now = { t: sum.now_ms, recv: sys.srs_recv_bytes, send: sys.srs_send_bytes };
    let inKbps = sys.srs_recv_kbps || 0, outKbps = sys.srs_send_kbps || 0;
    const last = state.lastBytes;
    if (last && now.t > last.t && now.recv >= last.recv && now.send >= last.send) {
      inKbps = ((now.recv - last.recv) * 8) / (now.t - last.t);
      outKbps = ((now.send - last.send) * 8) / (now.t - last.t);
    }
    state.lastBytes = now;
    state.history.push({ inKbps, outKbps });
    if (state.history.length > HISTORY) state.history.shift();
    $('s-in').textContent = fmtKbps(inKbps);
    $('s-out').textContent = fmtKbps(outKbps);
    drawChart();
  }

  function drawChart() {
    const canvas = $('chart');
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== w * ratio) { canvas.width = w * ratio; canvas.height = h * ratio; }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const css = getComputedStyle(document.documentElement);
    const max = Math.max(100, ...state.history.map((p) => Math.max(p.inKbps, p.outKbps))) * 1.15;
    ctx.strokeStyle = css.getPropertyValue('--line');
    ctx.fillStyle = css.getPropertyValue('--muted');
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    for (const f of [0.5, 1]) {
      const y = Math.round(h - (h - 4) * f) + 0.5;
      ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(w, y); ctx.stroke();
      ctx.fillText(fmtKbps(max * f), 4, y + 12);
    }
    // The window grows to 3 minutes: a young server's chart is not a dot at the edge.
    const step = w / (Math.min(HISTORY, Math.max(30, state.history.length)) - 1);
    const x0 = w - (state.history.length - 1) * step;
    for (const [key, color] of [['outKbps', '--out'], ['inKbps', '--in']]) {
      if (state.history.length < 2) break;
      ctx.beginPath();
      state.history.forEach((p, i) => {
        const x = x0 + i * step, y = h - (h - 4) * (p[key] / max);
        if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      });
      ctx.strokeStyle = css.getPropertyValue(color);
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.lineTo(w, h); ctx.lineTo(x0, h); ctx.closePath();
      ctx.globalAlpha = 0.12; ctx.fillStyle = css.getPropertyValue(color); ctx.fill();
      ctx.globalAlpha = 1;
    }
  }

  // ---- streams ----------------------------------------------------------

  function codecText(v, a) {
    const video = v ? [v.codec, v.profile, v.level].filter(Boolean).join(' ') : '–';
    let audio = '–';
    if (a) {
      const rate = a.sample_rate ? `${(a.sample_rate / 1000).toFixed(1)} kHz` : '';
      const ch = a.channel === 1 ? 'mono' : a.channel === 2 ? 'stereo' : '';
      audio = [a.codec, a.profile, rate, ch].filter(Boolean).join(' ');
    }
    return [video, audio];
  }

  function renderStreams() {
    const body = $('streams').tBodies[0];
    body.replaceChildren();
    for (const s of state.streams) {
      const key = streamKey(s);
      const [video, audio] = codecText(s.video, s.audio);
      const res = s.video && s.video.width ? `${s.video.width}×${s.video.height}` : '–';
      const name = el('td', {}, el('span', { class: 'name', text: `${s.app}/${s.name}` }));
      if (s.vhost_name !== DEFAULT_VHOST) name.append(el('span', { class: 'vhost', text: s.vhost_name }));
      const live = s.publish && s.publish.active;
      const play = el('button', { class: 'btn', type: 'button', text: 'Play', 'data-stream': key });
      play.disabled = !live;
      play.addEventListener('click', () => openPlayer(key));
      body.append(el('tr', { class: key === state.selected ? 'selected' : '' },
        name,
        el('td', { text: video }),
        el('td', { text: audio }),
        el('td', { text: res }),
        el('td', { class: 'num', text: fmtKbps(s.kbps && s.kbps.recv_30s) }),
        el('td', { class: 'num', text: String(s.clients ?? 0) }),
        el('td', {}, play)));
    }
    $('streams-empty').hidden = state.streams.length > 0;
    $('streams').hidden = state.streams.length === 0;
  }

  // ---- players ----------------------------------------------------------

  function setPaneState(which, text, cls = '') {
    const e = $(`${which}-state`);
    e.textContent = text;
    e.className = 'pane-state ' + cls;
  }

  function stopPlayers() {
    clearTimeout(state.hlsRetry);
    if (state.players.flv) { state.players.flv.destroy(); state.players.flv = null; }
    if (state.players.hls) { state.players.hls.destroy(); state.players.hls = null; }
    for (const v of [$('flv-video'), $('hls-video')]) { v.removeAttribute('src'); v.load(); }
  }

  function startFlv(url) {
    const video = $('flv-video');
    if (!url) return setPaneState('flv', 'not served (http_remux off)', 'bad');
    if (!window.mpegts || !mpegts.isSupported()) return setPaneState('flv', 'MSE not supported', 'bad');
    mpegts.LoggingControl.enableVerbose = false;
    mpegts.LoggingControl.enableDebug = false;
    mpegts.LoggingControl.enableInfo = false;
    const player = mpegts.createPlayer({ type: 'flv', isLive: true, url },
      { enableWorker: false, enableStashBuffer: false, liveBufferLatencyChasing: true });
    player.on(mpegts.Events.ERROR, (type, detail) => setPaneState('flv', `error: ${type} ${detail}`, 'bad'));
    player.attachMediaElement(video);
    player.load();
    video.play().catch(() => { /* muted autoplay may still be refused: controls stay */ });
    state.players.flv = player;
  }

  function startHls(url) {
    const video = $('hls-video');
    if (!url) return setPaneState('hls', 'not served (hls off)', 'bad');
    if (window.Hls && Hls.isSupported()) {
      const hls = new Hls({ liveDurationInfinity: true });
      hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
      hls.on(Hls.Events.ERROR, (_, data) => {
        if (!data.fatal) return;
        // Usually the first segment is not written yet: try again shortly.
        setPaneState('hls', 'waiting for segments…', '');
        hls.destroy();
        if (state.players.hls === hls) state.players.hls = null;
        state.hlsRetry = setTimeout(() => { if (state.selected) startHls(url); }, 3000);
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      state.players.hls = hls;
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = url; // Safari plays HLS natively
      video.play().catch(() => {});
    } else {
      setPaneState('hls', 'HLS not supported', 'bad');
    }
  }

  function openPlayer(key) {
    const s = state.streams.find((x) => streamKey(x) === key);
    if (!s) return;
    stopPlayers();
    state.selected = key;
    const urls = playUrls(s);
    $('player').hidden = false;
    $('player-name').textContent = `${s.app}/${s.name}`;
    const rows = [...copyRow('RTMP', urls.rtmp)];
    if (urls.flv) rows.push(...copyRow('HTTP-FLV', urls.flv));
    if (urls.hls) rows.push(...copyRow('HLS', urls.hls));
    rows.push(...copyRow('ffplay', `ffplay ${urls.flv || urls.rtmp}`));
    $('player-urls').replaceChildren(...rows);
    setPaneState('flv', 'connecting…');
    setPaneState('hls', 'connecting…');
    startFlv(urls.flv);
    startHls(urls.hls);
    renderStreams();
  }

  function closePlayer() {
    stopPlayers();
    state.selected = null;
    $('player').hidden = true;
    renderStreams();
  }

  /** Each second: playing or not, and how many frames were decoded. */
  function paneTick() {
    if (!state.selected) return;
    for (const which of ['flv', 'hls']) {
      const v = $(`${which}-video`);
      if (!v.getVideoPlaybackQuality) continue;
      const frames = v.getVideoPlaybackQuality().totalVideoFrames;
      const playing = !v.paused && v.readyState >= 3 && frames > 0;
      const e = $(`${which}-state`);
      if (playing) {
        const lag = v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : 0;
        setPaneState(which, `playing · ${frames} frames · ${lag.toFixed(1)} s buffered`, 'ok');
      } else if (e.classList.contains('ok')) {
        setPaneState(which, 'stalled');
      }
    }
  }

  // ---- clients ----------------------------------------------------------

  function kickButton(c) {
    const b = el('button', { class: 'btn danger', type: 'button', text: 'Kick', 'data-client-id': String(c.id) });
    let armed = null;
    b.addEventListener('click', async () => {
      if (!armed) {
        // Two clicks: a stray one never drops a publisher.
        b.classList.add('armed');
        b.textContent = 'Kick?';
        armed = setTimeout(() => { armed = null; b.classList.remove('armed'); b.textContent = 'Kick'; }, 3000);
        return;
      }
      clearTimeout(armed);
      b.disabled = true;
      try {
        await api(`/api/v1/clients/${encodeURIComponent(c.id)}`, 'DELETE');
        b.textContent = 'Kicked';
      } catch (e) {
        showError(e);
      }
      refresh();
    });
    return b;
  }

  function renderClients() {
    const showIdle = $('show-idle').checked;
    const idle = state.clients.filter((c) => c.type === 'Idle');
    $('idle-count').textContent = idle.length ? `(${idle.length})` : '';
    const order = { 'fmle-publish': 0, Play: 1, 'flv-play': 1, forward: 2, Idle: 3 };
    const shown = state.clients
      .filter((c) => showIdle || c.type !== 'Idle')
      .sort((a, b) => (order[a.type] ?? 2) - (order[b.type] ?? 2) || a.id - b.id);
    const body = $('clients').tBodies[0];
    body.replaceChildren();
    for (const c of shown) {
      const cls = c.publish ? 'badge publish' : c.type === 'Idle' ? 'badge' : 'badge play';
      const label = c.publish ? 'publish' : c.type === 'Play' ? 'RTMP play' : c.type === 'flv-play' ? 'FLV play' : c.type;
      body.append(el('tr', { 'data-client-id': String(c.id) },
        el('td', { class: 'num mono', text: String(c.id) }),
        el('td', {}, el('span', { class: cls, text: label })),
        el('td', { class: 'mono', text: c.url || '–' }),
        el('td', { class: 'mono', text: c.ip || '' }),
        el('td', { class: 'num', text: fmtDuration(c.alive) }),
        el('td', { class: 'num', text: fmtBytes(c.send_bytes) }),
        el('td', { class: 'num', text: fmtBytes(c.recv_bytes) }),
        el('td', {}, kickButton(c))));
    }
    $('clients-empty').hidden = shown.length > 0;
    $('clients').hidden = shown.length === 0;
  }

  // ---- publish panel ----------------------------------------------------

  function renderPublish() {
    const name = $('pub-name').value.trim() || 'livestream';
    const app = 'live';
    const rtmp = `${rtmpBase()}/${app}/${encodeURIComponent(name)}`;
    const flv = new URL(`/${app}/${encodeURIComponent(name)}.flv`, location.href).href;
    $('publish-urls').replaceChildren(
      ...copyRow('ffmpeg (file)', `ffmpeg -re -i input.mp4 -c:v libx264 -c:a aac -f flv ${rtmp}`),
      ...copyRow('ffmpeg (test)', 'ffmpeg -re -f lavfi -i testsrc=size=1280x720:rate=25 -f lavfi -i sine '
        + `-c:v libx264 -preset veryfast -g 50 -c:a aac -f flv ${rtmp}`),
      ...copyRow('OBS server', `${rtmpBase()}/${app}`),
      ...copyRow('OBS stream key', name),
      ...copyRow('play', `ffplay ${flv}`));
  }

  // ---- the loop ---------------------------------------------------------

  function setStatus(text, cls) {
    const s = $('status');
    s.textContent = text;
    s.className = 'pill ' + cls;
  }

  function showError(e) {
    $('banner').textContent = String(e.message || e);
    $('banner').hidden = false;
  }

  let timer = null;
  let publishShown = false;

  async function refresh() {
    clearTimeout(timer);
    try {
      const [sum, vhosts, streams, clients] = await Promise.all([
        api('/api/v1/summaries'), api('/api/v1/vhosts'), api('/api/v1/streams'), api('/api/v1/clients'),
      ]);
      state.summary = sum.data;
      state.vhosts = vhosts.vhosts || [];
      state.streams = streams.streams || [];
      state.clients = clients.clients || [];
      $('banner').hidden = true;
      $('login').hidden = true;
      $('logout').hidden = !state.auth;
      setStatus('online', 'pill-ok');
      renderSummary(state.summary);
      renderStreams();
      renderClients();
      if (!publishShown) { renderPublish(); publishShown = true; }
      if (state.selected && !state.streams.some((s) => streamKey(s) === state.selected)) closePlayer();
    } catch (e) {
      if (e instanceof AuthError) {
        setStatus('sign in', 'pill-wait');
        $('login-error').hidden = !state.auth;
        $('login').hidden = false;
        $('login-user').focus();
        return; // resumes when the form is sent
      }
      setStatus('offline', 'pill-bad');
      showError(e);
    }
    timer = setTimeout(refresh, POLL_MS);
  }

  function login(ev) {
    ev.preventDefault();
    // Basic credentials are base64 of UTF-8 "user:password".
    const bytes = new TextEncoder().encode(`${$('login-user').value}:${$('login-pass').value}`);
    state.auth = btoa(String.fromCharCode(...bytes));
    sessionStorage.setItem('srs-console-auth', state.auth);
    $('login-pass').value = '';
    refresh();
  }

  function logout() {
    state.auth = '';
    sessionStorage.removeItem('srs-console-auth');
    closePlayer();
    refresh();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    $('player-close').addEventListener('click', closePlayer);
    $('show-idle').addEventListener('change', renderClients);
    $('pub-name').addEventListener('input', renderPublish);
    window.addEventListener('resize', drawChart);
    setInterval(paneTick, 1000);
    refresh();
  });
})();
