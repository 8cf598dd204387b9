// What the user reads for each error code: one table for the worker app and the console, typed
// by the generated list of core's codes (`@/generated/ErrorCode`), so a code without a text in
// either language fails the type check (and `errorMessages.test.ts`). For the codes whose
// message carries the detail (which field, which limit), the message can follow our words.
// A code this build does not know (a newer server) shows the message that came with it.
import { isErrorCode, type ErrorCode } from '@/generated'

export type Lang = 'zh-CN' | 'en'

export const ERROR_MESSAGES: Record<Lang, Record<ErrorCode, string>> = {
  'zh-CN': {
    invalid_input: '输入有误',
    invalid_op: '这条记录的格式不对，服务器无法接收',
    invalid_body: '请求内容有误',
    invalid_json: '请求内容不是有效的数据，请重试',
    invalid_content_type: '请求格式不对，请更新应用后重试',
    invalid_query: '查询条件有误',
    too_large: '内容太大，服务器不能接收',
    too_many_ops: '一次同步的记录太多，请稍后重试',
    too_many_photos: '最多 9 张照片',
    export_too_large: '符合条件的案件太多，请缩小范围后再导出',
    invalid_categories: '类别表有误',
    category_in_use: '该类别下还有案件，不能删除',
    invalid_grids: '网格文件有误，未导入任何网格',
    unauthenticated: '登录已过期，请重新登录',
    bad_credentials: '用户名或密码错误',
    too_many_attempts: '登录失败次数过多，请稍后再试',
    forbidden: '你的角色不能进行此操作',
    weak_password: '密码太简单',
    username_taken: '用户名已被使用',
    cannot_disable_self: '不能停用自己的账号',
    wrong_password: '当前密码不正确',
    out_of_jurisdiction: '不在你的管辖范围内',
    unknown_case: '找不到该案件',
    case_exists: '该案件已经存在',
    stale_state: '案件已被他人更新，请刷新后再操作',
    invalid_transition: '案件当前状态不允许此操作',
    forbidden_role: '你的角色不能进行此操作',
    not_holder: '案件不在你的单位',
    no_parent_unit: '没有上级单位可上报',
    already_rated: '这类评价已经有了（每个案件一条群众评价、一条办理人员评价）',
    rating_not_allowed: '案件由你登记，不能由你评价，请由其他工作人员回访评价',
    no_extension_requested: '部门没有申请延期',
    undo_window_passed: '合并已超过 7 天，不能撤销；如需重新办理，请联系县指挥中心重办',
    unknown_patrol: '服务器还没有这次巡查的开始记录，同步后会自动补上',
    not_owner: '这是别人的巡查记录',
    id_conflict: '记录编号与服务器上的另一条记录冲突',
    patrol_ended: '这次巡查已经结束',
    cursor_invalid: '需要重新同步全部数据',
    invalid_metadata: '照片上传信息不完整',
    invalid_checksum: '照片校验信息格式不对',
    invalid_hash: '照片编号格式不对',
    invalid_upload_offset: '照片上传位置有误，将重新上传',
    invalid_upload_length: '照片大小不对或超过上限',
    upload_length_required: '照片上传缺少大小信息',
    defer_length_unsupported: '服务器不支持这种上传方式',
    concatenation_unsupported: '服务器不支持这种上传方式',
    checksum_algorithm_unsupported: '服务器不支持这种校验方式',
    tus_version_unsupported: '上传协议版本不被支持，请更新应用',
    checksum_mismatch: '照片数据传输出错，正在重传',
    offset_mismatch: '照片上传进度不一致，正在续传',
    upload_busy: '照片正在上传中，请稍候',
    upload_expired: '照片上传已过期，将重新上传',
    upload_lost: '服务器上的照片上传已丢失，将重新上传',
    device_mismatch: '这次上传属于另一台设备',
    hash_mismatch: '照片内容与编号不符，请重新选择照片',
    body_incomplete: '数据没有传完，请重试',
    not_an_image: '这不是照片文件（只收 JPEG、PNG、WebP）',
    corrupt_image: '照片已损坏或不完整',
    image_too_large: '照片太大',
    too_many_uploads: '未完成的照片上传太多，稍后会自动继续上传',
    insufficient_storage: '服务器存储空间不足，照片稍后会自动上传；记录照常同步',
    photo_has_metadata: '照片带有位置或相机信息，请去除后重新上传',
    unknown_photo: '照片不存在或不是您可用的照片，请附上您自己拍摄的照片',
    not_found: '没有找到这条记录',
    unavailable: '服务器正忙，请稍后再试',
    internal: '程序出错了，请重试',
    not_logged_in: '请先登录',
    wrong_credentials: '用户名或密码错误',
    offline: '无法连接服务器，请检查网络（第一次登录需要联网）',
    server_unavailable: '服务器暂时不可用，稍后会自动重试',
    throttled: '操作太频繁，请稍后再试',
    not_our_server: '这个地址不是一网服务器，请检查服务器地址（或先登录无线网络）',
    invalid_server_url: '服务器地址不对，应以 https:// 开头',
    insecure_server_url: '该地址未加密（http://），请使用 https:// 地址；仅在内网测试时可在设置中允许不安全连接',
    refused: '服务器拒绝了这个请求',
    unsynced_work: '还有未同步的记录，请先同步',
    patrol_open: '已有一次巡查在进行中',
    no_grid: '你还没有分配网格，请联系社区管理员',
    photo_too_large: '照片太大，请换一张',
    photo_unreadable: '无法读取这张照片',
    photo_file: '照片文件读不出来，请重新拍摄',
    newer_schema: '本机数据来自更新版本的应用，请先升级应用',
    storage_error: '手机存储读写失败，请检查剩余空间后重启应用',
    bad_record: '有一条记录读不出来，请同步后重试',
  },
  en: {
    invalid_input: 'Invalid input',
    invalid_op: 'The server cannot take this record',
    invalid_body: 'The request is not right',
    invalid_json: 'The request was not valid data; try again',
    invalid_content_type: 'The request format is wrong; update the app and try again',
    invalid_query: 'Invalid filter',
    too_large: 'Too large for the server',
    too_many_ops: 'Too many records in one sync; try again shortly',
    too_many_photos: 'At most 9 photos',
    export_too_large: 'Too many cases match; narrow the filter and export again',
    invalid_categories: 'The category table is not valid',
    category_in_use: 'Cases still use this category; it cannot be removed',
    invalid_grids: 'The grid file is not valid; nothing was imported',
    unauthenticated: 'Your session ended; sign in again',
    bad_credentials: 'Wrong user name or password',
    too_many_attempts: 'Too many failed sign-ins; try again later',
    forbidden: 'Your role cannot do this',
    weak_password: 'The password is too weak',
    username_taken: 'That user name is taken',
    cannot_disable_self: 'You cannot disable your own account',
    wrong_password: 'The current password is wrong',
    out_of_jurisdiction: 'Outside your jurisdiction',
    unknown_case: 'No such case',
    case_exists: 'This case already exists',
    stale_state: 'Someone changed the case; reload and try again',
    invalid_transition: "The case's state does not allow this",
    forbidden_role: 'Your role cannot do this',
    not_holder: 'Your unit does not hold this case',
    no_parent_unit: 'There is no unit above to escalate to',
    already_rated: 'This kind of rating is already given (one resident and one operator rating per case)',
    rating_not_allowed: 'You registered this case, so you cannot rate it; ask a colleague to do the follow-up',
    no_extension_requested: 'The department asked for no extension',
    undo_window_passed: 'The merge is more than 7 days old and cannot be undone; ask the county centre to reopen the case',
    unknown_patrol: 'The server has not seen this patrol start yet; the next sync sends it',
    not_owner: "This is someone else's patrol",
    id_conflict: 'The record id collides with another record on the server',
    patrol_ended: 'This patrol has already ended',
    cursor_invalid: 'Everything needs to be synced again',
    invalid_metadata: 'The photo upload is missing its details',
    invalid_checksum: 'The photo checksum is malformed',
    invalid_hash: 'The photo id is malformed',
    invalid_upload_offset: 'The upload position is wrong; the photo is sent again',
    invalid_upload_length: 'The photo size is wrong or over the limit',
    upload_length_required: 'The photo upload does not say its size',
    defer_length_unsupported: 'The server does not take uploads of this kind',
    concatenation_unsupported: 'The server does not take uploads of this kind',
    checksum_algorithm_unsupported: 'The server does not take this checksum',
    tus_version_unsupported: 'Upload protocol version not supported; update the app',
    checksum_mismatch: 'The photo was garbled on the way; sending it again',
    offset_mismatch: 'The upload got out of step; resuming',
    upload_busy: 'The photo is being uploaded; wait a moment',
    upload_expired: 'The photo upload expired; it is sent again',
    upload_lost: 'The server lost the photo upload; it is sent again',
    device_mismatch: 'This upload belongs to another device',
    hash_mismatch: 'The photo does not match its id; pick the photo again',
    body_incomplete: 'The data did not arrive whole; try again',
    not_an_image: 'Not a photo (JPEG, PNG or WebP only)',
    corrupt_image: 'The photo is damaged or incomplete',
    image_too_large: 'The photo is too large',
    too_many_uploads: 'Too many unfinished photo uploads; they continue by themselves later',
    insufficient_storage: 'The server is short of disk space; photos upload later by themselves, records still sync',
    photo_has_metadata: 'The photo carries location or camera data; remove it and upload again',
    unknown_photo: 'The photo is not stored or not yours to attach; attach your own photos',
    not_found: 'Record not found',
    unavailable: 'The server is busy; try again shortly',
    internal: 'Something went wrong; please retry',
    not_logged_in: 'Please sign in',
    wrong_credentials: 'Wrong user name or password',
    offline: 'Cannot reach the server; check the network (the first sign-in needs a connection)',
    server_unavailable: 'The server is unavailable for now; the app retries by itself',
    throttled: 'Too many requests; try again shortly',
    not_our_server: 'This address is not a Yiwang server; check it (or sign in to the wifi first)',
    invalid_server_url: 'The server address is not right; it starts with https://',
    insecure_server_url: 'This address is not encrypted (http://): use an https:// address, or allow insecure connections in the settings for a test server',
    refused: 'The server refused the request',
    unsynced_work: 'Unsynced records wait; sync first',
    patrol_open: 'A patrol is already in progress',
    no_grid: 'You have no grid yet; ask your community admin',
    photo_too_large: 'Photo too large; pick another',
    photo_unreadable: 'Cannot read this photo',
    photo_file: 'The photo file cannot be read; take it again',
    newer_schema: "This device's data is from a newer app version; update the app",
    storage_error: "The phone's storage failed; check free space and restart the app",
    bad_record: 'A record cannot be read; sync and try again',
  },
}

/** Codes whose message names what exactly is wrong: it may follow our own words. */
const DETAILED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_input', 'invalid_op', 'invalid_body', 'invalid_query', 'invalid_categories', 'invalid_grids',
  'weak_password', 'refused',
])

/** The fallback for something that is not an error of ours at all. */
const UNKNOWN: Record<Lang, string> = { 'zh-CN': '出错了，请重试', en: 'Something went wrong; please retry' }

/**
 * The text for an error `code` with the `message` that came with it: our own words for a
 * known code (followed by the message where it carries the detail, when `detail` is asked),
 * the message itself for a code this build does not know (a newer server's).
 */
export function errorMessage(code: string | null | undefined, message: string, lang: Lang, detail = true): string {
  if (code && isErrorCode(code)) {
    const text = ERROR_MESSAGES[lang][code]
    if (!detail || !message || !DETAILED.has(code)) return text
    return lang === 'en' ? `${text}: ${message}` : `${text}：${message}`
  }
  if (message) return message
  return UNKNOWN[lang]
}

/** The `{code, message}` of whatever was thrown, if it has them. */
export function codeAndMessage(e: unknown): { code: string | null; message: string } {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown }
    return {
      code: typeof o.code === 'string' ? o.code : null,
      message: typeof o.message === 'string' ? o.message : '',
    }
  }
  return { code: null, message: typeof e === 'string' ? e : '' }
}
