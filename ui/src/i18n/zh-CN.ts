// zh-CN, the default language. en.ts must have the same keys (the type checker enforces it).
// vue-i18n syntax: {name} interpolates; avoid bare @ $ | in texts.
const zhCN = {
  app: { name: '一网', subtitle: '网格员巡查' },
  common: {
    save: '保存', cancel: '取消', confirm: '确定', retry: '重试', loading: '加载中…', none: '暂无',
    back: '返回', saved: '已保存', offline: '离线', online: '在线', noLocation: '无定位',
    locating: '定位中…', waiting: '待同步', sent: '已同步', rejected: '被退回', photos: '照片',
    addPhoto: '拍照/相册', photoProcessing: '处理中…', photoPending: '待同步',
  },
  tabs: { home: '首页', cases: '案件', tasks: '核查', sync: '同步', settings: '设置' },
  login: {
    title: '登录', server: '服务器地址', username: '用户名', password: '密码', submit: '登录',
    serverPlaceholder: 'http://服务器:8080', usernamePlaceholder: '如 worker-0001',
    passwordPlaceholder: '密码', device: '本机：{name}', demoHint: '演示账号已填好，直接登录即可',
    offlineHint: '首次登录需要联网；之后无网络时也能用同一账号登录。',
    welcome: '{name}，欢迎回来',
  },
  home: {
    greeting: '{name}，你好', grid: '我的网格', noGrid: '尚未分配网格，请联系社区管理员',
    todayPatrols: '今日巡查', morning: '上午', afternoon: '下午', done: '已完成', inProgress: '进行中',
    due: '待巡查', startPatrol: '开始巡查', openPatrol: '继续巡查', newFinding: '随手记',
    waitingSync: '待同步', rejected: '被退回', tasks: '待核查', openCases: '在办案件',
    lastSync: '上次同步', neverSynced: '尚未同步', needsLogin: '离线登录中：联网后请重新登录以同步',
    kind: { urban_rural: '城乡网格', school: '学校网格', enterprise: '企业网格' },
  },
  patrol: {
    title: '巡查', elapsed: '用时', distance: '里程', points: '轨迹点', start: '开始巡查', end: '结束巡查',
    endConfirm: '确定结束本次巡查？', ended: '巡查已结束', started: '巡查已开始', newFinding: '记录发现',
    findings: '本次发现', noFindings: '还没有记录发现', noTrack: '暂无轨迹', gpsOff: '无定位：继续巡查，位置将不记录',
    gpsOn: '定位正常（±{m} 米）', gpsSuspect: '定位精度为 0，疑似模拟定位：记录将标记为模拟定位', none: '当前没有进行中的巡查', startedAt: '开始于 {time}',
  },
  finding: {
    title: '记录发现', category: '问题类别', chooseCategory: '请选择类别', searchPlaceholder: '输入文字、拼音或首字母',
    noMatch: '没有匹配的类别', description: '问题描述', descriptionPlaceholder: '写清地点、问题和现场情况',
    photos: '现场照片（最多 9 张）', location: '位置', disposition: '处置方式',
    dispositions: { resolved_on_spot: '现场解决', report: '上报案件', note: '仅记录' },
    urgent: '紧急', save: '保存', saved: '已保存，将自动同步', savedReport: '已保存并上报，将自动同步',
    quality: { good: '定位良好', mock: '模拟定位', suspect: '定位存疑', missing: '无定位' },
    deadline: '处置时限 {days} 个工作日 · {dept}',
    department: '默认承办：{dept}',
  },
  cases: {
    title: '我的案件', empty: '网格内暂无案件', reported: '上报于 {time}', deadline: '时限', deadlineAtDispatch: '派遣后开始计时', holder: '当前在',
    department: '承办部门', address: '地点', grid: '网格', timeline: '办理过程', chainVerified: '记录链校验通过',
    chainBroken: '记录链校验未通过', pending: '本机待同步的操作', verify: '去核查', outcome: '结果',
    rating: '评价', filterOpen: '在办', filterAll: '全部', photoMissing: '照片待同步',
    outcomes: { resolved: '已解决', resolved_on_spot: '现场解决', invalid: '无效', duplicate: '重复' },
  },
  actions: {
    report: '上报', claim: '认领', escalate: '上报上级', dispatch: '分派', return: '退回', accept: '受理',
    report_handled: '处理反馈', resolve: '办结', assign_verify: '指派核查', verify_pass: '核查通过',
    verify_fail: '核查不通过（返工）', close: '结案', reject_invalid: '作废', merge_duplicate: '合并重复', unmerge: '撤销合并',
    reopen: '重新打开', supervise: '督办', comment: '备注', request_extension: '申请延期',
    extend_deadline: '延期', refuse_extension: '不予延期', rate: '评价',
  },
  roles: {
    grid_worker: '网格员', community: '社区', township: '街道', center: '县指挥中心',
    department: '部门', leader: '领导', admin: '管理员',
  },
  tasks: { title: '核查任务', empty: '暂无待核查的案件', hint: '处置完成的案件，请到现场核查' },
  verify: {
    title: '现场核查', result: '核查结果', pass: '通过（已解决）', fail: '不通过（返工）', note: '核查说明',
    notePlaceholder: '不通过时必须写明原因', submit: '提交核查', done: '已保存，将自动同步',
  },
  sync: {
    title: '同步', now: '立即同步', last: '上次成功同步', ops: '记录 {done}/{total}', bytes: '照片 {done}/{total}',
    waiting: '等待同步', rejected: '被服务器退回', photosWaiting: '{n} 张照片待上传', empty: '全部已同步',
    needsLogin: '需要重新登录才能同步', login: '去登录', lastError: '上次错误',
    dismiss: '知道了', rejectedHint: '这些记录服务器没有接收，原因见下。看过后点“知道了”即可移出列表；需要时请重新记录或联系街道。',
    kinds: {
      patrol_start: '开始巡查', patrol_track: '巡查轨迹', patrol_end: '结束巡查', finding_create: '巡查记录', case_action: '案件办理',
    },
    phase: {
      idle: '空闲', push: '正在上传记录', upload: '正在上传照片', pull: '正在下载更新', backoff: '网络不通，稍后重试',
      needs_login: '需要登录', stopped: '已停止',
    },
  },
  settings: {
    title: '设置', language: '语言', watermark: '照片水印', watermarkHint: '时间、网格、地点、网格员',
    server: '服务器地址', account: '账号', device: '设备', version: '版本', logout: '退出登录',
    logoutConfirm: '确定退出登录？', logoutRefused: '还有未同步的记录，不能退出', logoutRefusedDetail: '请先同步（同步页 → 立即同步），全部同步后再退出。',
    goSync: '去同步', saved: '设置已保存', relogin: '重新登录',
    insecure: '允许不加密连接（http）', insecureHint: '仅用于测试服务器；正式使用请用 https:// 地址',
    insecureConfirm: '不加密的连接会让密码和巡查记录以明文经过网络，任何人都可能截获。只在测试服务器上打开。确定允许吗？',
  },
  validation: {
    category_required: '请选择问题类别', category_not_leaf: '请选择具体的小类', disposition_required: '请选择处置方式',
    description_too_long: '描述不能超过 {max} 字', report_needs_description: '上报案件需要描述（至少 {min} 字）',
    description_or_photo: '请填写描述（至少 {min} 字）或拍一张照片', too_many_photos: '最多 {max} 张照片',
    duplicate_photo: '同一张照片添加了两次', location_incomplete: '位置不完整', location_invalid: '位置不在有效范围内',
    accuracy_invalid: '定位精度无效', case_id_missing: '上报缺少案件编号', case_id_unexpected: '只有上报才生成案件',
    verify_choose: '请选择核查结果', verify_fail_note: '不通过时请写明原因（至少 {min} 字）',
  },
}

export default zhCN
export type Messages = typeof zhCN
