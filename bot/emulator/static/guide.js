// The first-visit guide: a short "try this" list for the person you are, so a visitor sees an
// approval, the minutes, a report reminder fired by the moved clock and a filed document within
// two minutes. Each step is one click: say something, switch person, move the clock, send a file.
'use strict';
(function () {
  const E = window.Emulator;
  const $ = (sel) => document.querySelector(sel);
  const SEEN_KEY = 'wecomEmulator.guideSeen';
  const say = (text, note) => ({ say: text, note });
  const as = (userid, name, note) => ({ as: userid, name, note });
  const clock = (to, note) => ({ clock: to, note });
  const file = (name, note) => ({ file: name, note });
  // P7: a document's name carries the project, the date and the version; the first sample lacks
  // them (the bot says what is missing), the second is filed.
  const BAD_NAME = '需求说明.txt';
  const GOOD_NAME = '数据平台项目-需求说明-2026年11月-1.0版.txt';

  const PURCHASE = '采购申请 测试服务器3台 8万元 用于压测环境';
  const APPROVER_STEPS = [
    say('待我审批', '找到审批卡片，点「同意」（按钮会变灰，显示「已同意」）。还没有卡片？先切换到张三发起采购申请'),
  ];
  const GUIDES = {
    specialist: [
      say('帮助', '看看我能做什么'),
      say(PURCHASE, '发起采购申请，再点确认卡片上的「提交」'),
      as('wangzong', '王总监', '切换到王总监，点审批卡片上的「同意」；再依次切换到刘财务、陈总'),
      clock('下一个周五 15:00', '把时钟拨到周五 15:00：没交周报的人会收到提醒'),
      say('周报 本周完成：回访客户3家 下周计划：整理需求 问题与风险：无', '交周报'),
      file(BAD_NAME, '发一个文件名不合规范的文件：助手说缺什么、该怎么命名'),
      file(GOOD_NAME, '再发一个按制度命名的文件（项目-内容-日期-版本）：它被归档；「文件列表」查看。也可以点输入框左边的 📎 发你自己的文件'),
    ],
    group_leader: [
      say('登记会议 项目评审 明天14:00-15:00 参会 张三 李四 记录人 李四', '登记一个会议'),
      clock('明天 15:05', '把时钟拨到会后：参会人收到会前提醒，记录人李四收到填写纪要的卡片'),
      as('lisi', '李四', '切换到记录人李四，发纪要'),
      say('周报 汇总', '看本组的周报'),
    ],
    director: [
      ...APPROVER_STEPS,
      as('liucaiwu', '刘财务', '切换到刘财务继续审批'),
      say('周报 汇总', '看各组的周报'),
      say('通知 周五下午3点部门例会', '向全部门发通知'),
      clock('下周一 09:00', '拨到下周一 09:00：你会收到管理周报'),
    ],
    finance: [...APPROVER_STEPS, as('chenzong', '陈总', '切换到陈总做终审')],
    ceo: [...APPROVER_STEPS, as('zhangsan', '张三', '切换回张三，看审批结果')],
    minutes: [
      say('纪要\n议题：供应商选型\n讨论：比较了三家报价\n决议：完成供应商比价 负责人：张三', '提交会议纪要（先让李组长登记会议，再把时钟拨到会后）'),
      say('我的待办', '看我负责的决议'),
    ],
    other: [
      say('帮助', '看看我能做什么'),
      say('我是谁', '看你在组织里的位置'),
      as('zhangsan', '张三', '想看完整流程？切换到专员张三，从采购申请开始'),
    ],
  };
  const ROLE_GUIDE = { '专员': 'specialist', '组长': 'group_leader', '总监': 'director', '财务': 'finance', 'CEO': 'ceo' };

  const el = { box: $('#guide'), body: $('#guide-body'), open: $('#guide-open'), close: $('#guide-close') };

  function stepsFor(p) {
    if (p.userid === 'lisi') return [...GUIDES.minutes, ...GUIDES.specialist.slice(1)];
    return GUIDES[ROLE_GUIDE[p.role]] || GUIDES.other;
  }
  function action(step) {
    if (step.say) {
      const b = E.h('button', 'guide-say', step.say.split('\n')[0] + (step.say.includes('\n') ? ' …' : ''));
      b.title = '点一下就发送：' + step.say;
      b.addEventListener('click', () => E.say(step.say));
      return b;
    }
    if (step.as) {
      const b = E.h('button', 'guide-switch', '切换到 ' + step.name);
      b.addEventListener('click', () => E.selectPerson(step.as));
      return b;
    }
    if (step.clock) {
      const b = E.h('button', 'guide-clock', '🕒 拨到 ' + step.clock);
      b.addEventListener('click', () => window.EmulatorClock && window.EmulatorClock.move(step.clock));
      return b;
    }
    const b = E.h('button', 'guide-file', '📎 发送 ' + step.file);
    b.title = '点一下就以文件消息发送一个示例文件：' + step.file;
    b.addEventListener('click', () => E.sendFile(new File(
      ['示例文档：数据平台需求说明（由模拟器生成）。\n'], step.file, { type: 'text/plain' })));
    return b;
  }
  function render(p) {
    el.body.innerHTML = '';
    el.body.append(E.h('div', 'guide-who', `你现在是 ${p.name}${p.role ? '（' + p.role + '）' : ''}，试试：`));
    const list = E.h('ol', 'guide-steps');
    for (const step of stepsFor(p)) {
      const li = E.h('li', 'guide-step');
      li.append(E.h('div', 'guide-note', step.note || ''), action(step));
      list.append(li);
    }
    el.body.append(list);
    el.body.append(E.h('div', 'guide-foot', '每条消息、每次点击都以加密签名的回调送达机器人，和真实企业微信一样。'));
  }
  function show(on) {
    el.box.hidden = !on;
    el.open.classList.toggle('active', on);
    if (!on) { try { localStorage.setItem(SEEN_KEY, '1'); } catch (e) { /* storage disabled */ } }
  }

  el.open.addEventListener('click', () => show(el.box.hidden));
  el.close.addEventListener('click', () => show(false));
  let seen = null;
  try { seen = localStorage.getItem(SEEN_KEY); } catch (e) { /* storage disabled */ }
  if (!seen) show(true); // first visit: open by itself
  E.onPerson(render);
})();
