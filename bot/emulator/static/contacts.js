// The emulator's address book (通讯录): add, remove, move or re-id a person, or take them out of a
// tag (财务, 合规). Each change fires the
// change_contact callback WeCom would send, so with [org] source = "wecom" the bot applies it at
// once (and hands a leaver's work over). Self-contained: its own button, panel and styles.
'use strict';
(function () {
  const CSS = `
  #contacts-toggle { margin-left: 8px; }
  #contacts-panel { position: fixed; right: 16px; top: 40px; z-index: 50; width: 360px; max-width: calc(100vw - 32px);
    max-height: 80vh;
    overflow: auto; background: #fff; border: 1px solid #d0d3d8; border-radius: 6px;
    box-shadow: 0 4px 16px rgba(0,0,0,.15); padding: 10px 12px; font-size: 13px; }
  #contacts-panel h2 { font-size: 14px; margin: 0 0 6px; }
  #contacts-panel .note { color: #8a9099; margin: 4px 0 8px; }
  #contacts-panel .dept { font-weight: 600; margin-top: 8px; }
  #contacts-panel .person { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; padding: 2px 0 2px 12px; }
  #contacts-panel .person .name { flex: 1; }
  #contacts-panel select, #contacts-panel input { font: inherit; max-width: 120px; }
  #contacts-panel button { font: inherit; cursor: pointer; }
  #contacts-panel .result { margin-top: 8px; color: #07c160; }
  #contacts-panel .result.error { color: #e5484d; }`;
  const h = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    if (tag === 'button') e.type = 'button';
    return e;
  };
  async function call(path, body) {
    const r = await fetch(path, body === undefined ? { cache: 'no-store' }
      : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const data = await r.json().catch(() => ({}));
    if (!r.ok || data.ok === false) throw new Error(data.error || ('HTTP ' + r.status));
    return data;
  }

  const style = h('style'); style.textContent = CSS; document.head.appendChild(style);
  const toggle = h('button', 'guide-open', '通讯录'); toggle.id = 'contacts-toggle';
  toggle.type = 'button';
  const panel = h('div'); panel.id = 'contacts-panel'; panel.hidden = true;
  // The button sits in the header beside 新手引导 (a fixed button covered it); the panel floats.
  const guideButton = document.getElementById('guide-open');
  if (guideButton) guideButton.after(toggle); else document.body.append(toggle);
  document.body.append(panel);
  let result = null;

  function deptSelect(depts, selected) {
    const s = h('select');
    for (const d of depts) {
      const o = h('option', null, d.name); o.value = d.id; o.selected = d.id === selected; s.appendChild(o);
    }
    return s;
  }

  async function act(path, body, done) {
    try {
      await call(path, body);
      result = { text: done, error: false };
      window.dispatchEvent(new CustomEvent('emulator:org-changed'));  // the page may reload its people
    } catch (e) {
      result = { text: e.message, error: true };
    }
    render();
  }

  async function render() {
    let data;
    try { data = await call('api/contacts'); } catch (e) { panel.textContent = '通讯录加载失败：' + e.message; return; }
    panel.replaceChildren(h('h2', null, '通讯录（模拟企业微信管理后台）'));
    panel.appendChild(h('div', 'note', data.source === 'wecom'
      ? '每次改动都会像企业微信一样发送 change_contact 回调，机器人立即更新组织架构；离开的人或失去角色的人的待办会转交，改账号的人待办跟着走。'
      : '当前组织架构来自配置文件（[org] source = "config"）：回调会送达并被记录，但组织架构不变。'));
    const depts = data.departments.filter((d) => d.parentid !== 0);
    const name = (id) => (data.departments.find((d) => d.id === id) || {}).name || id;
    for (const d of depts) {
      panel.appendChild(h('div', 'dept', d.name));
      for (const u of data.users.filter((x) => x.department[0] === d.id)) {
        const row = h('div', 'person');
        row.appendChild(h('span', 'name', u.name + (u.leader ? '（负责人）' : '')));
        const to = deptSelect(depts, d.id);
        const move = h('button', null, '调动');
        move.onclick = () => act('api/contacts/move', { userid: u.userid, department: +to.value },
          `已把 ${u.name} 调到 ${name(+to.value)}`);
        const remove = h('button', null, '移除');
        remove.onclick = () => act('api/contacts/remove', { userid: u.userid }, `已从通讯录移除 ${u.name}`);
        const rename = h('button', null, '改账号');
        rename.title = '管理员更正账号（userid）：还是同一个人';
        rename.onclick = () => {
          const fresh = window.prompt(`${u.name} 的新账号（现为 ${u.userid}）`, u.userid + '2');
          if (fresh) act('api/contacts/rename', { userid: u.userid, new_userid: fresh.trim() },
            `已把 ${u.name} 的账号改为 ${fresh.trim()}`);
        };
        row.append(to, move, remove, rename);
        for (const tag of u.tags || []) {
          const untag = h('button', null, '移出' + tag.name);
          untag.onclick = () => act('api/contacts/untag', { userid: u.userid, tag: tag.id },
            `已把 ${u.name} 移出标签「${tag.name}」`);
          row.appendChild(untag);
        }
        panel.appendChild(row);
      }
    }
    const add = h('div', 'person');
    const input = h('input'); input.placeholder = '新成员姓名';
    const where = deptSelect(depts, depts.length ? depts[0].id : null);
    const addBtn = h('button', null, '添加');
    addBtn.onclick = () => act('api/contacts/add', { name: input.value, department: +where.value },
      `已添加 ${input.value} 到 ${name(+where.value)}`);
    add.append(input, where, addBtn);
    panel.append(h('div', 'dept', '添加成员'), add);
    if (result) panel.appendChild(h('div', 'result' + (result.error ? ' error' : ''), result.text));
  }

  toggle.onclick = () => {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) { result = null; render(); }
  };
  if (location.hash === '#contacts') toggle.onclick();  // /emulator/#contacts opens the address book
})();
