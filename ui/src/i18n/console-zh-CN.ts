// The console's texts, zh-CN (the default). console-en.ts must have the same keys (the type
// checker enforces it). vue-i18n syntax: {name} interpolates; avoid bare @ $ | in texts.
const consoleZhCN = {
  app: { name: '一网', title: '一网统管 · 指挥平台' },
  common: {
    loading: '加载中…', none: '暂无', cancel: '取消', confirm: '确定', submit: '提交', search: '查询',
    reset: '重置', retry: '重试', back: '返回', close: '关闭', all: '全部', yes: '是', no: '否',
    language: 'English', settings: '设置', refresh: '刷新', from: '开始日期', to: '结束日期',
  },
  roles: {
    grid_worker: '网格员', community: '村/社区', township: '乡镇/街道', center: '县指挥中心',
    department: '职能部门', leader: '领导', admin: '管理员',
  },
  nav: { cases: '案件', intake: '受理登记', dashboard: '统计分析', grids: '网格与巡查', logout: '退出' },
  login: {
    title: '指挥平台登录', username: '用户名', password: '密码', submit: '登录',
    usernamePlaceholder: '如 township-01', hint: '演示账号：township-01、center、leader、dept-01，密码 demo',
  },
  states: {
    pending: '待受理', claimed: '已认领', dispatched: '已分派', in_progress: '办理中', handled: '已处置',
    verifying: '待核查', closed: '已结案',
  },
  channels: { grid: '网格上报', hotline8890: '8890 热线', service_hall: '服务大厅', wechat: '微信', open311: 'Open311' },
  outcomes: { resolved: '已解决', resolved_on_spot: '现场解决', invalid: '不予立案', duplicate: '重复件' },
  ratings: { satisfied: '满意', basically_satisfied: '基本满意', dissatisfied: '不满意' },
  ratingSources: { resident: '群众评价（回访）', operator: '办理人员评价' },
  kinds: { urban_rural: '城乡网格', school: '学校网格', enterprise: '企业网格' },
  queue: {
    title: '案件队列', text: '描述、地址或案件编号', state: '状态', township: '乡镇/街道', community: '村/社区',
    holderUnit: '当前承办单位', grid: '网格', category: '类别', department: '责任部门', overdue: '超期',
    supervised: '督办', channel: '来源', dates: '上报日期', more: '更多条件', less: '收起',
    openStates: '未办结', allStates: '全部', total: '共 {n} 件', selected: '已选 {n} 件', batchClaim: '批量认领',
    exportCsv: '导出 CSV', exportGeojson: '导出 GeoJSON', exporting: '正在导出…', exported: '已保存 {name}',
    colId: '编号', colState: '状态', colCategory: '类别', colDescription: '描述', colPlace: '位置',
    colHolder: '承办', colReported: '上报时间', colUpdated: '更新时间', colDeadline: '处置时限', colChannel: '来源',
    overdueMark: '超期', handledLateMark: '超期办结', urgedMark: '督办 ×{n}', urgentMark: '紧急', reworkMark: '返工 ×{n}',
    claimResult: '认领成功 {ok} 件，被拒 {refused} 件', claimRefused: '{id}：{message}', empty: '没有符合条件的案件',
    figure: '统计口径：{measure}', figureRow: '{dimension} {key}', figurePeriod: '{from} 至 {to}', clearFigure: '清除口径',
    dateBad: '日期格式应为 YYYY-MM-DD', dateOrder: '结束日期不能早于开始日期',
  },
  case: {
    title: '案件详情', id: '案件编号', state: '状态', category: '类别', channel: '来源', urgent: '紧急',
    description: '描述', address: '地址', contact: '联系人', grid: '网格', community: '村/社区',
    township: '乡镇/街道', holder: '当前承办', dispatcher: '派遣单位', department: '责任部门', reported: '上报时间',
    version: '版本', photos: '照片', noPhotos: '没有照片', photoPending: '照片待上传', map: '位置',
    noLocation: '没有位置信息', timeline: '处置过程', chainVerified: '哈希链已校验', chainBroken: '哈希链校验失败：{error}',
    deadline: '处置时限', deadlineAt: '截止 {time}', noDeadline: '未分派，暂无时限', closedAt: '结案于 {time}',
    workingLeft: '剩余工作时间 {h} 小时 {m} 分', workingPast: '已超出工作时间 {h} 小时 {m} 分',
    workingNote: '按工作日历计（服务器 {time} 计算）', wallLeft: '距截止 {span}（自然时间）', wallPast: '已超期 {span}（自然时间）',
    wallOnly: '服务器未给出工作时间，以上为自然时间', actions: '可执行操作', noActions: '当前没有可执行的操作',
    readOnly: '领导账号可查看全部案件：办理中的案件可督办，随时可备注', supervisions: '督办 {n} 次', extensions: '延期 {n} 次',
    reworks: '返工 {n} 次', rating: '评价', outcome: '结果', done: '操作成功', stale: '案件已被他人更新，已刷新，请重新确认',
    finding: '原始发现', observedAt: '发现时间', byWho: '{name}（{unit}）',
  },
  actions: {
    claim: '认领', dispatch: '分派', accept: '受理', report_handled: '处理反馈', resolve: '本级办结',
    assign_verify: '派发核查', verify_pass: '核查通过', verify_fail: '核查不通过', close: '结案',
    escalate: '上报上级', return: '退回', reject_invalid: '不予立案', merge_duplicate: '合并重复件',
    reopen: '重新办理', supervise: '督办', request_extension: '申请延期', extend_deadline: '延期',
    refuse_extension: '驳回延期', rate: '回访评价', comment: '备注', report: '立案上报',
  },
  form: {
    note: '说明', reason: '原因', supervision: '督办意见', department: '责任部门', departmentDefault: '{name}（类别默认）',
    deadlineAt: '将获得时限：截止 {time}', deadlineWill: '将获得时限：{amount} {unit}', outcome: '结案结果', rating: '评价', ratingSource: '评价来源', until: '新的截止时间',
    untilHint: '北京时间', untilOptional: '不填则批准部门的延期申请', photos: '照片', addPhotos: '选择照片',
    uploading: '正在上传 {n} 张照片…', duplicateOf: '重复于（案件编号）', unit: { working_hours: '工作小时', working_days: '工作日' },
    problems: {
      note_required: '请填写原因（至少 2 个字）', note_or_photo: '请填写处理情况，或上传处理后的照片', note_too_long: '说明太长（最多 1000 字）', rating_required: '请选择评价', rating_source_required: '请选择是群众评价（回访）还是办理人员评价',
      until_required: '请选择新的截止时间', until_invalid: '时间格式不对', until_past: '新的截止时间必须晚于现在',
      duplicate_required: '请填写重复的案件编号',
    },
  },
  dashboard: {
    title: '统计分析', period: '统计期', days: '近 {n} 天', trend: '每日立案与结案', intakeSeries: '立案',
    closedSeries: '结案', byCounty: '按县(市)', byTownship: '按乡镇/街道', byDepartment: '按责任部门', byCommunity: '按村/社区', byGrid: '按网格', dispatchedSeries: '分派', overdueSeries: '当前超期', byCategory: '按问题大类',
    coverage: '今日巡查覆盖', coverageRate: '巡查率 {rate}（{covered}/{grids}）', coverageDate: '{date}',
    covered: '已巡查 2 次', partial: '巡查 1 次', noneCovered: '未巡查', grid: '网格', worker: '网格员',
    windows: '巡查次数', community: '村/社区', township: '乡镇/街道', linkHint: '点击数字查看对应案件',
    showing: '显示 {n} / {total} 个网格', onlyMissing: '只看未完成', county: '县(市)', grids: '网格数', rate: '巡查率',
    measures: {
      closed: '结案数', intake: '立案数', closure_rate: '结案率', on_time_rate: '按期结案率', rework_rate: '返工率',
      extension_rate: '延期率', satisfaction_rate: '满意率', overdue_now: '当前超期', mean_hours_to_close: '平均结案用时',
    },
    details: {
      intake: '期内上报 {n} 件', closure_rate: '{closed} / {due} 件到期', on_time_rate: '{n} 件按期',
      rework_rate: '{reworked} / {verified} 件核查', extension_rate: '{extended} / {dispatched} 件分派',
      satisfaction_rate: '{satisfied} / {rated} 件评价', overdue_now: '在办超过时限', mean_hours_to_close: '工作时间',
    },
  },
  intake: {
    title: '受理登记', channel: '来源渠道', category: '问题类别', categoryPlaceholder: '选择或搜索类别',
    urgent: '紧急', description: '问题描述', descriptionPlaceholder: '写清地点、问题和诉求', address: '地址',
    contact: '来电人/联系方式', grid: '所在网格', gridPlaceholder: '选择网格（或在地图上点选位置）',
    place: '位置', placeHint: '在地图上点击设置位置', placeSet: '已选位置 {lat}, {lon}', clearPlace: '清除位置',
    photos: '照片', submit: '登记', submitted: '已登记，案件编号 {id}', open: '查看案件',
    problems: { category: '请选择问题类别', description: '请填写问题描述（至少 2 个字）', channel: '请选择来源渠道' },
  },
  grids: {
    title: '网格与巡查', search: '网格名称或编号', township: '乡镇/街道', community: '村/社区', name: '网格',
    kind: '类型', worker: '网格员', today: '今日巡查', patrols: '巡查记录', noPatrols: '该日没有巡查记录',
    date: '日期', started: '开始', ended: '结束', points: '轨迹点', open: '查看轨迹', cases: '案件', map: '网格范围',
    patrolsUnavailable: '服务器暂不提供巡查记录查询（{code}）', total: '{n} 个网格',
    time: '时间', window: '时段', coverage: '计入巡查率',
  },
  patrolWindow: { morning: '上午', afternoon: '下午' },
  patrolCoverage: {
    counts: '计入', no_track: '不计入：没有轨迹', outside_windows: '不计入：不在巡查时段',
    started_after_receipt: '不计入：开始时间晚于上传时间',
  },
  patrol: {
    findings: '本次发现 {n} 条', case: '查看案件', title: '巡查轨迹', worker: '网格员', grid: '网格', started: '开始', ended: '结束', points: '轨迹点 {n} 个',
    distance: '里程 {km} 公里', notEnded: '进行中', noTrack: '没有轨迹点',
  },
  settings: {
    title: '地图设置', tileUrl: '底图瓦片地址', tileHint: '留空则不加载底图（纯色背景，不联网）。可填天地图（需密钥）或自建瓦片服务的地址模板，如下例。',
    attribution: '底图署名', saved: '已保存，地图将使用新设置', language: '界面语言',
  },
  forbidden: { title: '无权访问', body: '这不在你的管辖范围内，或你的角色不能进行此操作。', home: '回到首页' },
  notFound: { title: '页面不存在', body: '找不到这个页面或案件。' },
}

export type ConsoleMessages = typeof consoleZhCN
export default consoleZhCN
