// The demo clock in the top bar: shows the demo's time; moves it forward (the jobs due on the
// way run in order and their messages arrive in the chat); "回到现在" returns to real time.
'use strict';
(function () {
  const E = window.Emulator;
  const $ = (sel) => document.querySelector(sel);
  const el = {
    box: $('#clock'), toggle: $('#clock-toggle'), now: $('#clock-now'), moved: $('#clock-moved'),
    panel: $('#clock-panel'), presets: $('#clock-presets'), form: $('#clock-form'), input: $('#clock-input'),
    picker: $('#clock-picker'), go: $('#clock-go'), reset: $('#clock-reset'), status: $('#clock-status'),
    restart: $('#demo-reset'),
  };
  let busy = false;

  function show(c) {
    el.box.hidden = false;
    el.now.textContent = c.label;
    el.box.dataset.now = c.now;
    el.moved.hidden = !c.moved;
    if (c.moving_to) el.status.textContent = `正在拨到 ${c.moving_to}，已到 ${c.label}…`;
    if (!el.presets.children.length) {
      for (const text of c.examples || []) {
        const b = E.h('button', 'clock-preset', text);
        b.addEventListener('click', () => move(text));
        el.presets.append(b);
      }
    }
  }
  async function refresh() {
    try {
      const r = await fetch('api/clock', { cache: 'no-store' });
      if (r.status === 404) { el.box.hidden = true; return false; } // no clock: not a demo
      show(await r.json());
    } catch (e) { /* the chat's own poll reports a lost connection */ }
    return true;
  }
  function setBusy(on) {
    busy = on;
    for (const b of el.panel.querySelectorAll('button, input')) b.disabled = on;
    el.box.classList.toggle('busy', on);
  }
  async function move(to) {
    if (busy || !String(to).trim()) return;
    setBusy(true);
    el.status.textContent = '正在运行到期的定时任务…';
    const progress = setInterval(refresh, 700);
    try {
      const r = await E.api('api/clock', { to });
      if (r.ok) {
        show(r);
        const sent = (r.sent || []).map((s) => `${s.label} ${s.name}`);
        el.status.textContent = `已拨到 ${r.label}，运行了 ${r.runs} 次定时任务` +
          (sent.length ? `，其中发了消息的：${sent.join('；')}` : '，没有需要发送的消息。');
        E.clearError('op');
      } else {
        el.status.textContent = r.error || '拨动失败';
      }
    } catch (e) {
      el.status.textContent = '拨动失败：无法连接模拟器服务器';
    } finally {
      clearInterval(progress);
      setBusy(false);
      E.pollFresh();
    }
  }
  async function reset() {
    if (busy) return;
    try {
      const r = await E.api('api/clock/reset', {});
      show(r);
      el.status.textContent = '已回到现在的真实时间。';
    } catch (e) {
      el.status.textContent = '操作失败：无法连接模拟器服务器';
    }
  }
  async function restart() {
    if (busy || !window.confirm('重置演示会清空所有演示数据和聊天记录，恢复到刚启动时的样子（时间回到现在）。确定吗？')) return;
    try {
      const r = await E.api('api/demo/reset', {});
      if (!r.ok) { el.status.textContent = r.error || '重置失败'; return; }
      show(r);
      el.status.textContent = '演示已重置：数据和时间回到了刚启动时。';
      window.location.reload();
    } catch (e) {
      el.status.textContent = '操作失败：无法连接模拟器服务器';
    }
  }
  function open(on) {
    el.panel.hidden = !on;
    el.toggle.setAttribute('aria-expanded', on ? 'true' : 'false');
  }

  el.toggle.addEventListener('click', (e) => { e.stopPropagation(); open(el.panel.hidden); });
  el.panel.addEventListener('click', (e) => e.stopPropagation());
  document.addEventListener('click', () => { if (!busy) open(false); });
  el.form.addEventListener('submit', (e) => {
    e.preventDefault();
    move(el.input.value.trim() || el.picker.value);
  });
  el.reset.addEventListener('click', reset);
  if (el.restart) el.restart.addEventListener('click', restart);
  window.EmulatorClock = { move, refresh, open };

  refresh().then((present) => { if (present) setInterval(() => { if (!busy) refresh(); }, 5000); });
})();
