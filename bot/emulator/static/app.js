// WeCom emulator chat page. Vanilla JS; every API call uses a URL relative to /emulator/.
'use strict';
(function () {
  const POLL_MS = 700;
  const STORE_KEY = 'wecomEmulator.userid';
  const BOT_NAME = '创新服务助手';
  const $ = (sel) => document.querySelector(sel);
  const el = {
    people: $('#people'), select: $('#person-select'), dept: $('#dept-name'),
    whoami: $('#whoami'), whoGroup: $('#whoami-group'), messages: $('#messages'),
    input: $('#input'), send: $('#send'), menuBar: $('#menu-bar'), newPill: $('#new-pill'),
    error: $('#error'), errorText: $('#error-text'),
    fileInput: $('#file-input'), imageInput: $('#image-input'),
  };
  const personListeners = []; // other scripts (guide.js, contacts.js) hear of every switch
  const state = {
    people: [], menu: [], userid: null, gen: 0, lastId: 0,
    msgs: {}, cardStates: {}, lastDay: null, pollBusy: null, sending: false, errorKind: null,
  };

  // ---------- small helpers ----------
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, (c) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }
  function h(tag, cls, text) {
    const e = document.createElement(tag);
    if (tag === 'button') e.type = 'button';
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }
  function hhmm(t) {
    const m = /T(\d{2}):(\d{2})/.exec(t || ''); // keep the server's own (Beijing) clock time
    if (m) return m[1] + ':' + m[2];
    const d = new Date(t);
    return isNaN(d) ? '' : String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }
  function dayLabel(t) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(t || '');
    return m ? `${m[1]}年${+m[2]}月${+m[3]}日` : null;
  }
  async function api(path, body) {
    const opts = body === undefined ? { cache: 'no-store' }
      : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
    const r = await fetch(path, opts);
    let data = null;
    try { data = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok && !(data && data.error)) throw new Error('HTTP ' + r.status);
    return data || {};
  }
  function currentPerson() { return state.people.find((p) => p.userid === state.userid) || null; }
  function personLabel(p) { return p.name + (p.role ? '（' + p.role + '）' : ''); }

  // Coloured circle with the first character of a name.
  const COLORS = ['#3975c6', '#07c160', '#fa9d3b', '#8e6bd8', '#e5574d', '#1fa3a3', '#d4a017', '#5b8def'];
  function avatar(p) {
    let n = 0;
    for (const c of (p.userid || '')) n = (n * 31 + c.charCodeAt(0)) >>> 0;
    const a = h('span', 'avatar', (p.name || '?').slice(0, 1));
    a.style.background = COLORS[n % COLORS.length];
    return a;
  }

  // ---------- error banner ----------
  function showError(msg, kind) {
    state.errorKind = kind || 'op';
    el.errorText.textContent = msg;
    el.error.hidden = false;
  }
  function clearError(kind) {
    if (kind && state.errorKind !== kind) return;
    el.error.hidden = true;
    state.errorKind = null;
  }

  // ---------- people ----------
  function renderPeople() {
    el.people.innerHTML = '';
    el.select.innerHTML = '';
    const depts = [...new Set(state.people.map((p) => p.department).filter(Boolean))];
    el.dept.textContent = depts.join('、');
    for (const p of state.people) {
      const li = h('li', 'person');
      li.dataset.userid = p.userid;
      li.tabIndex = 0;
      li.setAttribute('role', 'option');
      const info = h('div', 'person-info');
      const top = h('div', 'person-top');
      top.append(h('span', 'person-name', p.name), h('span', 'person-role', p.role || ''));
      info.append(top, h('div', 'person-group', p.group || p.department || ''));
      li.append(avatar(p), info);
      li.addEventListener('click', () => selectPerson(p.userid));
      li.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); selectPerson(p.userid); } });
      el.people.append(li);
      el.select.append(new Option(personLabel(p) + (p.group ? ' · ' + p.group : ''), p.userid));
    }
  }

  function selectPerson(uid) {
    const p = state.people.find((x) => x.userid === uid);
    if (!p) return;
    if (uid !== state.userid) {
      // Reset the conversation; polls for the previous person are discarded via gen.
      Object.assign(state, { userid: uid, gen: state.gen + 1, lastId: 0, msgs: {}, cardStates: {}, lastDay: null });
      el.messages.innerHTML = '';
      el.messages.append(h('div', 'empty', '正在加载消息…'));
      el.newPill.hidden = true;
    }
    try { localStorage.setItem(STORE_KEY, uid); } catch (e) { /* storage disabled */ }
    const url = new URL(location.href);
    if (url.searchParams.has('userid')) { url.searchParams.set('userid', uid); history.replaceState(null, '', url); }
    for (const li of el.people.children) {
      const on = li.dataset.userid === uid;
      li.classList.toggle('active', on);
      li.setAttribute('aria-selected', on ? 'true' : 'false');
    }
    el.select.value = uid;
    el.whoami.textContent = '你现在是：' + personLabel(p);
    el.whoGroup.textContent = [p.department, p.group].filter(Boolean).join(' · ');
    closeMenu();
    clearError('op');
    pollFresh();
    for (const cb of personListeners) { try { cb(p); } catch (e) { /* a listener's bug is its own */ } }
  }

  async function loadPeople() {
    for (;;) {
      try {
        const data = await api('api/people');
        state.people = data.people || [];
        clearError('conn');
        return;
      } catch (e) {
        showError('无法加载成员列表，正在重试…', 'conn');
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  // ---------- markdown (WeCom subset), always escaped first ----------
  const isBlockLine = (l) => /^#{1,6}\s/.test(l) || /^&gt;/.test(l);
  function safeUrl(u) { return /^(https?:\/\/|mailto:|\/|#)/i.test(u); }
  function mdInline(s) {
    const codes = [];
    s = s.replace(/`([^`]+)`/g, (_, c) => { codes.push(c); return '\u0000' + (codes.length - 1) + '\u0000'; });
    s = s.replace(/\*\*(.+?)\*\*/g, '<b>$1</b>');
    s = s.replace(/\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)/g, (_, t, u) =>
      safeUrl(u) ? `<a href="${u}" target="_blank" rel="noopener noreferrer">${t}</a>` : t);
    return s.replace(/\u0000(\d+)\u0000/g, (_, i) => '<code>' + codes[+i] + '</code>');
  }
  function markdown(src) {
    let s = esc(src);
    s = s.replace(/&lt;font\s+color\s*=\s*(?:&quot;|&#39;)?(info|comment|warning)(?:&quot;|&#39;)?\s*&gt;([\s\S]*?)&lt;\/font&gt;/gi,
      (_, c, t) => `<span class="md-${c.toLowerCase()}">${t}</span>`);
    const lines = s.split('\n');
    let out = '';
    lines.forEach((line, i) => {
      let m;
      if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) out += `<div class="md-h md-h${m[1].length}">${mdInline(m[2])}</div>`;
      else if ((m = /^&gt;\s?(.*)$/.exec(line))) out += `<div class="md-quote">${mdInline(m[1])}</div>`;
      else {
        out += mdInline(line);
        if (i < lines.length - 1 && !isBlockLine(lines[i + 1])) out += '<br>';
      }
    });
    return out;
  }

  // ---------- template cards ----------
  function section(parent, cls, rows) { // a box of labelled lines, skipped when all are empty
    rows = rows.filter((r) => r[1] != null && r[1] !== '');
    if (!rows.length) return;
    const box = h('div', cls);
    for (const [c, t] of rows) box.append(h('div', c, t));
    parent.append(box);
  }
  function cardNode(msg) {
    const st = msg.card_state || null;
    const card = (st && st.template_card) || msg.card || {};
    const wrap = h('div', 'card');
    wrap.dataset.cardType = card.card_type || '';
    if (card.task_id) wrap.dataset.taskId = card.task_id;
    if (card.source && card.source.desc) wrap.append(h('div', 'card-source', card.source.desc));
    const mt = card.main_title || {};
    if (mt.title) wrap.append(h('div', 'card-title', mt.title));
    if (mt.desc) wrap.append(h('div', 'card-desc', mt.desc));
    const em = card.emphasis_content || {}, qa = card.quote_area || {};
    section(wrap, 'card-emphasis', [['em-title', em.title], ['em-desc', em.desc]]);
    section(wrap, 'card-quote', [['quote-title', qa.title], ['quote-text', qa.quote_text]]);
    if (card.sub_title_text) wrap.append(h('div', 'card-sub', card.sub_title_text));
    const kv = card.horizontal_content_list || [];
    if (kv.length) {
      const table = h('table', 'card-kv');
      for (const item of kv) {
        const tr = h('tr');
        tr.append(h('th', null, item.keyname || ''), h('td', null, item.value != null ? item.value : ''));
        table.append(tr);
      }
      wrap.append(table);
    }
    for (const v of card.vertical_content_list || []) section(wrap, 'card-vertical', [['v-title', v.title], ['v-desc', v.desc]]);
    const btns = card.button_list || [];
    const row = h('div', 'card-buttons');
    if (st && st.replace_name) {
      const b = h('button', 'btn btn-replaced', st.replace_name);
      b.disabled = true;
      row.append(b);
    } else {
      for (const bd of btns) {
        const b = h('button', 'btn btn-s' + ([1, 2, 3, 4].includes(+bd.style) ? +bd.style : 1), bd.text || '');
        b.dataset.key = bd.key || '';
        b.addEventListener('click', () => tap(msg.id, bd.key, wrap));
        row.append(b);
      }
    }
    if (row.children.length) wrap.append(row);
    return wrap;
  }
  function rerenderCard(msg) {
    const old = el.messages.querySelector(`.msg[data-id="${msg.id}"] .card`);
    if (old) old.replaceWith(cardNode(msg));
  }
  async function tap(msgId, key, cardEl) {
    const uid = state.userid;
    cardEl.classList.add('busy');
    cardEl.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      const r = await api('api/tap', { userid: uid, message_id: Number(msgId), key });
      if (r.ok) clearError('op'); else showError(r.error || '操作失败', 'op');
    } catch (e) {
      showError('操作失败：无法连接模拟器服务器', 'op');
    }
    await pollFresh();
    const msg = state.msgs[msgId];
    if (msg && uid === state.userid) rerenderCard(msg); // re-enables buttons unless the state replaced them
  }

  // ---------- messages ----------
  const nearBottom = () => el.messages.scrollHeight - el.messages.scrollTop - el.messages.clientHeight < 80;
  function scrollBottom() { el.messages.scrollTop = el.messages.scrollHeight; el.newPill.hidden = true; }

  // WeCom shows <a href="…">…</a> in a text message as a link; everything else is plain text.
  const LINK = /<a\s+href\s*=\s*(["'])(.*?)\1\s*>([\s\S]*?)<\/a>/gi;
  function textNode(src) {
    const b = h('div', 'bubble text');
    let last = 0, m;
    src = String(src || '');
    LINK.lastIndex = 0;
    while ((m = LINK.exec(src))) {
      b.append(document.createTextNode(src.slice(last, m.index)));
      if (/^https?:\/\//i.test(m[2])) {
        const a = h('a', null, m[3]);
        a.href = m[2]; a.target = '_blank'; a.rel = 'noopener noreferrer';
        b.append(a);
      } else {
        b.append(document.createTextNode(m[0]));
      }
      last = LINK.lastIndex;
    }
    b.append(document.createTextNode(src.slice(last)));
    return b;
  }
  function sizeLabel(n) {
    if (!n && n !== 0) return '';
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }
  function fileNode(msg) { // a downloadable file item, as WeCom shows one
    const b = h('div', 'bubble file');
    b.append(h('span', 'file-icon', '📄'));
    const info = h('div', 'file-info');
    info.append(h('div', 'file-name', msg.filename || '文件'), h('div', 'file-size', sizeLabel(msg.size)));
    const link = h('a', 'file-download', '下载');
    link.href = 'api/media/' + encodeURIComponent(msg.media_id || '') + '?download=1';
    link.setAttribute('download', msg.filename || '');
    b.append(info, link);
    return b;
  }
  function imageNode(msg) {
    const b = h('div', 'bubble image');
    const img = h('img', 'chat-image');
    img.alt = msg.filename || '图片';
    img.src = 'api/media/' + encodeURIComponent(msg.media_id || '');
    img.addEventListener('error', () => { b.textContent = '[图片已过期]'; });
    img.addEventListener('click', () => window.open(img.src, '_blank', 'noopener'));
    b.append(img);
    return b;
  }
  function contentNode(msg) {
    if (msg.msgtype === 'text') return textNode(msg.text);
    if (msg.msgtype === 'file') return fileNode(msg);
    if (msg.msgtype === 'image') return imageNode(msg);
    if (msg.msgtype === 'markdown') {
      const b = h('div', 'bubble markdown');
      b.innerHTML = markdown(msg.markdown != null ? msg.markdown : msg.text);
      return b;
    }
    if (msg.msgtype === 'template_card') return cardNode(msg);
    return h('div', 'bubble unsupported', `[暂不支持显示的消息类型：${msg.msgtype}]` + (msg.text ? '\n' + msg.text : ''));
  }
  function appendMessage(msg) {
    const empty = el.messages.querySelector('.empty');
    if (empty) empty.remove();
    const day = dayLabel(msg.time);
    if (day && day !== state.lastDay) { state.lastDay = day; el.messages.append(h('div', 'day-sep', day)); }
    let node;
    if (msg.msgtype === 'event') {
      // Menu clicks and card taps: a small grey centred line.
      node = h('div', 'msg event');
      const fallback = msg.event === 'click' ? '点击了菜单' : '点击了卡片按钮';
      node.append(h('span', 'event-text', msg.text || fallback), h('span', 'msg-time', hhmm(msg.time)));
    } else {
      const out = msg.direction === 'out';
      node = h('div', 'msg ' + (out ? 'out' : 'in'));
      const av = out ? h('span', 'avatar bot-avatar', '助') : avatar(currentPerson() || {});
      av.title = out ? BOT_NAME : (currentPerson() || {}).name || '';
      const body = h('div', 'msg-body');
      body.append(contentNode(msg), h('div', 'msg-time', hhmm(msg.time)));
      node.append(av, body);
    }
    node.dataset.id = msg.id;
    node.dataset.msgtype = msg.msgtype || '';
    node.dataset.direction = msg.direction || '';
    el.messages.append(node);
  }

  // One poll: new messages plus current card states for the selected person.
  async function doPoll() {
    const uid = state.userid, gen = state.gen;
    if (!uid) return;
    const q = 'userid=' + encodeURIComponent(uid);
    try {
      const [m, c] = await Promise.all([api(`api/messages?${q}&after=${state.lastId}`), api(`api/cards?${q}`)]);
      if (gen !== state.gen) return;
      clearError('conn');
      if (typeof m.last_id === 'number' && m.last_id < state.lastId) { // backend was reset: reload
        const uid0 = state.userid; state.userid = null; selectPerson(uid0); return;
      }
      const first = state.lastId === 0, stick = first || nearBottom();
      let added = 0, changed = 0;
      for (const msg of m.messages || []) {
        if (state.msgs[msg.id]) continue;
        state.msgs[msg.id] = msg;
        state.cardStates[msg.id] = JSON.stringify(msg.card_state || null);
        appendMessage(msg);
        state.lastId = Math.max(state.lastId, Number(msg.id));
        added++;
      }
      for (const [id, st] of Object.entries((c && c.cards) || {})) {
        const msg = state.msgs[id], s = JSON.stringify(st || null);
        if (!msg || s === state.cardStates[id]) continue;
        state.cardStates[id] = s;
        msg.card_state = st || null;
        rerenderCard(msg);
        changed++;
      }
      const empty = el.messages.querySelector('.empty');
      if (empty && !added) empty.textContent = '还没有消息。发送一句话试试，例如「帮助」。';
      if (added || changed) {
        if (stick) scrollBottom(); else if (added) el.newPill.hidden = false;
      }
    } catch (e) {
      if (gen === state.gen) showError('无法连接模拟器服务器，正在重试…', 'conn');
    }
  }
  function poll() {
    if (!state.pollBusy) state.pollBusy = doPoll().finally(() => { state.pollBusy = null; });
    return state.pollBusy;
  }
  async function pollFresh() { // wait for any running poll, then start a new one
    if (state.pollBusy) await state.pollBusy;
    return poll();
  }
  async function pollLoop() {
    await poll();
    setTimeout(pollLoop, POLL_MS);
  }

  // ---------- sending ----------
  function autosize() {
    el.input.style.height = 'auto';
    el.input.style.height = Math.min(el.input.scrollHeight, 160) + 'px';
    el.send.classList.toggle('empty-input', !el.input.value.trim());
  }
  async function send() {
    const text = el.input.value;
    if (!text.trim() || state.sending || !state.userid) return;
    state.sending = true;
    el.send.disabled = true;
    try {
      const r = await api('api/send', { userid: state.userid, text });
      if (r.ok) {
        if (el.input.value === text) el.input.value = '';
        clearError('op');
        await pollFresh();
        scrollBottom();
      } else {
        showError(r.error || '发送失败', 'op'); // keep the typed text
      }
    } catch (e) {
      showError('发送失败：无法连接模拟器服务器', 'op');
    } finally {
      state.sending = false;
      el.send.disabled = false;
      autosize();
    }
  }

  // ---------- bottom app menu ----------
  function closeMenu() {
    document.querySelectorAll('.menu-popup').forEach((p) => p.remove());
    document.querySelectorAll('.menu-top.open').forEach((b) => b.classList.remove('open'));
  }
  function renderMenu() {
    el.menuBar.innerHTML = '';
    el.menuBar.hidden = !state.menu.length;
    for (const b of state.menu.slice(0, 3)) {
      const cell = h('div', 'menu-cell');
      const btn = h('button', 'menu-button menu-top');
      const subs = b.sub_button || [];
      if (subs.length) {
        btn.classList.add('has-sub');
        btn.append(h('span', 'menu-icon', '≡'), h('span', 'menu-name', b.name));
        btn.addEventListener('click', (e) => {
          e.stopPropagation();
          const wasOpen = btn.classList.contains('open');
          closeMenu();
          if (wasOpen) return;
          btn.classList.add('open');
          const pop = h('div', 'menu-popup');
          for (const s of subs.slice(0, 5)) {
            const it = h('button', 'menu-button menu-sub', s.name);
            it.dataset.key = s.key || '';
            it.addEventListener('click', (ev) => { ev.stopPropagation(); closeMenu(); menuAction(s); });
            pop.append(it);
          }
          cell.append(pop);
        });
      } else {
        btn.append(h('span', 'menu-name', b.name));
        btn.dataset.key = b.key || '';
        btn.addEventListener('click', () => { closeMenu(); menuAction(b); });
      }
      cell.prepend(btn);
      el.menuBar.append(cell);
    }
  }
  async function menuAction(b) {
    if (b.type === 'view' && b.url) { window.open(b.url, '_blank', 'noopener'); return; }
    if (b.type && b.type !== 'click') { showError('模拟器暂不支持这种菜单类型：' + b.type, 'op'); return; }
    if (!state.userid) return;
    try {
      const r = await api('api/menu', { userid: state.userid, key: b.key });
      if (r.ok) clearError('op'); else showError(r.error || '菜单操作失败', 'op');
    } catch (e) {
      showError('菜单操作失败：无法连接模拟器服务器', 'op');
    }
    await pollFresh();
  }
  async function loadMenu() {
    try {
      const m = await api('api/menu');
      state.menu = m.button || (m.menu && m.menu.button) || [];
    } catch (e) {
      state.menu = [];
    }
    renderMenu();
  }

  // ---------- files and pictures ----------
  async function upload(kind, input) {
    const file = input.files && input.files[0];
    input.value = '';
    await uploadFile(kind, file);
  }
  // Send ``file`` (a File or Blob with a name) as the current person: WeCom's file/image callback.
  async function uploadFile(kind, file) {
    if (!file || !state.userid) return;
    const form = new FormData();
    form.append('userid', state.userid);
    form.append('kind', kind);
    form.append('file', file, file.name);
    try {
      const r = await fetch('api/upload', { method: 'POST', body: form });
      let data = {};
      try { data = await r.json(); } catch (e) { /* not JSON */ }
      if (r.ok && data.ok) clearError('op');
      else showError(data.error || (r.status === 413 ? '文件太大' : '发送失败'), 'op');
    } catch (e) {
      showError('发送失败：无法连接模拟器服务器', 'op');
    }
    await pollFresh();
    scrollBottom();
  }

  // What the other scripts of the page may use (clock.js, guide.js, contacts.js).
  window.Emulator = {
    api, h, showError, clearError, pollFresh, selectPerson,
    userid: () => state.userid,
    people: () => state.people.slice(),
    onPerson: (cb) => { personListeners.push(cb); const p = currentPerson(); if (p) cb(p); },
    say: async (text) => { el.input.value = text; autosize(); await send(); },
    sendFile: (file) => uploadFile('file', file),
  };

  // ---------- start ----------
  async function init() {
    $('#attach-file').addEventListener('click', () => el.fileInput.click());
    $('#attach-image').addEventListener('click', () => el.imageInput.click());
    el.fileInput.addEventListener('change', () => upload('file', el.fileInput));
    el.imageInput.addEventListener('change', () => upload('image', el.imageInput));
    el.input.addEventListener('keydown', (e) => {
      // Enter sends, Shift+Enter inserts a newline; ignore Enter while an IME is composing.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); send(); }
    });
    el.input.addEventListener('input', autosize);
    el.send.addEventListener('click', send);
    el.select.addEventListener('change', () => selectPerson(el.select.value));
    el.messages.addEventListener('scroll', () => { if (nearBottom()) el.newPill.hidden = true; });
    el.newPill.addEventListener('click', scrollBottom);
    $('#error-close').addEventListener('click', () => clearError());
    document.addEventListener('click', closeMenu);
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeMenu(); });
    autosize();
    loadMenu();
    await loadPeople();
    renderPeople();
    let stored = null;
    try { stored = localStorage.getItem(STORE_KEY); } catch (e) { /* storage disabled */ }
    const fromUrl = new URLSearchParams(location.search).get('userid');
    const known = (u) => u && state.people.some((p) => p.userid === u);
    // A first visit starts as a specialist (专员): the guide's story (a purchase, its approvals, a
    // report, a document) starts there; the director first would find nothing to approve.
    const specialist = state.people.find((p) => p.role === '专员');
    const pick = [fromUrl, stored].find(known) || (specialist && specialist.userid)
      || (state.people[0] && state.people[0].userid);
    if (pick) selectPerson(pick);
    else el.whoami.textContent = '演示组织里还没有成员';
    pollLoop();
  }
  init();
})();
