// The console's texts in English; the same keys as console-zh-CN.ts.
import type { ConsoleMessages } from './console-zh-CN'

const consoleEn: ConsoleMessages = {
  app: { name: 'Yiwang', title: 'Yiwang · Command console' },
  common: {
    loading: 'Loading…', none: 'None', cancel: 'Cancel', confirm: 'OK', submit: 'Submit', search: 'Search',
    reset: 'Reset', retry: 'Retry', back: 'Back', close: 'Close', all: 'All', yes: 'Yes', no: 'No',
    language: '中文', settings: 'Settings', refresh: 'Refresh', from: 'From', to: 'To',
  },
  roles: {
    grid_worker: 'Grid worker', community: 'Community', township: 'Township', center: 'County centre',
    department: 'Department', leader: 'Leader', admin: 'Admin',
  },
  nav: { cases: 'Cases', intake: 'Intake', dashboard: 'Dashboard', grids: 'Grids & patrols', logout: 'Sign out' },
  login: {
    title: 'Console sign-in', username: 'User name', password: 'Password', submit: 'Sign in',
    usernamePlaceholder: 'e.g. township-01', hint: 'Demo users: township-01, center, leader, dept-01; password demo',
  },
  states: {
    pending: 'Pending', claimed: 'Claimed', dispatched: 'Dispatched', in_progress: 'In progress', handled: 'Handled',
    verifying: 'To verify', closed: 'Closed',
  },
  channels: { grid: 'Grid', hotline8890: 'Hotline 8890', service_hall: 'Service hall', wechat: 'WeChat', open311: 'Open311' },
  outcomes: { resolved: 'Resolved', resolved_on_spot: 'Resolved on spot', invalid: 'Not a case', duplicate: 'Duplicate' },
  ratings: { satisfied: 'Satisfied', basically_satisfied: 'Basically satisfied', dissatisfied: 'Dissatisfied' },
  ratingSources: { resident: "Resident's rating (follow-up call)", operator: "Operator's rating" },
  kinds: { urban_rural: 'Urban-rural', school: 'School', enterprise: 'Enterprise' },
  queue: {
    title: 'Case queue', text: 'Description, address or case id', state: 'State', township: 'Township', community: 'Community',
    holderUnit: 'Holder unit', grid: 'Grid', category: 'Category', department: 'Department', overdue: 'Overdue',
    supervised: 'Urged', channel: 'Channel', dates: 'Reported', more: 'More filters', less: 'Fewer filters',
    openStates: 'Open', allStates: 'All', total: '{n} cases', selected: '{n} selected', batchClaim: 'Claim selected',
    exportCsv: 'Export CSV', exportGeojson: 'Export GeoJSON', exporting: 'Exporting…', exported: 'Saved {name}',
    colId: 'Id', colState: 'State', colCategory: 'Category', colDescription: 'Description', colPlace: 'Place',
    colHolder: 'Holder', colReported: 'Reported', colUpdated: 'Updated', colDeadline: 'Deadline', colChannel: 'Channel',
    overdueMark: 'Overdue', handledLateMark: 'Handled late', urgedMark: 'Urged ×{n}', urgentMark: 'Urgent', reworkMark: 'Rework ×{n}',
    claimResult: '{ok} claimed, {refused} refused', claimRefused: '{id}: {message}', empty: 'No case matches',
    figure: 'Cases behind: {measure}', figureRow: '{dimension} {key}', figurePeriod: '{from} to {to}', clearFigure: 'Clear',
    dateBad: 'Dates are YYYY-MM-DD', dateOrder: 'The end date is before the start date',
  },
  case: {
    title: 'Case', id: 'Case id', state: 'State', category: 'Category', channel: 'Channel', urgent: 'Urgent',
    description: 'Description', address: 'Address', contact: 'Contact', grid: 'Grid', community: 'Community',
    township: 'Township', holder: 'Held by', dispatcher: 'Dispatched by', department: 'Department', reported: 'Reported',
    version: 'Version', photos: 'Photos', noPhotos: 'No photos', photoPending: 'Photo not uploaded yet', map: 'Place',
    noLocation: 'No location', timeline: 'Timeline', chainVerified: 'Hash chain verified', chainBroken: 'Hash chain broken: {error}',
    deadline: 'Deadline', deadlineAt: 'Due {time}', noDeadline: 'Not dispatched: no deadline yet', closedAt: 'Closed {time}',
    workingLeft: '{h} h {m} min of working time left', workingPast: '{h} h {m} min of working time past the deadline',
    workingNote: 'on the working calendar (server, as of {time})', wallLeft: '{span} to the deadline (clock time)', wallPast: '{span} past the deadline (clock time)',
    wallOnly: 'The server gave no working time: clock time shown', actions: 'Actions', noActions: 'Nothing you can do on this case now',
    readOnly: 'Leaders read every case; they urge one still being worked and may comment at any time', supervisions: 'Urged {n}×', extensions: 'Extended {n}×',
    reworks: 'Reworked {n}×', rating: 'Rating', outcome: 'Outcome', done: 'Done', stale: 'Someone changed the case; it was reloaded, please check again',
    finding: 'Original finding', observedAt: 'Seen at', byWho: '{name} ({unit})',
  },
  actions: {
    claim: 'Claim', dispatch: 'Dispatch', accept: 'Accept', report_handled: 'Report handled', resolve: 'Resolve here',
    assign_verify: 'Assign verification', verify_pass: 'Verify: pass', verify_fail: 'Verify: fail', close: 'Close',
    escalate: 'Escalate', return: 'Return', reject_invalid: 'Reject as invalid', merge_duplicate: 'Merge duplicate',
    reopen: 'Reopen', supervise: 'Urge', request_extension: 'Request extension', extend_deadline: 'Extend deadline',
    refuse_extension: 'Refuse extension', rate: 'Rate', comment: 'Comment', report: 'Report',
  },
  form: {
    note: 'Note', reason: 'Reason', supervision: 'What to urge', department: 'Department', departmentDefault: '{name} (category default)',
    deadlineAt: 'Deadline it will get: {time}', deadlineWill: 'Deadline it will get: {amount} {unit}', outcome: 'Outcome', rating: 'Rating', ratingSource: 'Whose rating', until: 'New deadline',
    untilHint: 'Beijing time', untilOptional: 'Leave empty to grant the department\'s request', photos: 'Photos', addPhotos: 'Choose photos',
    uploading: 'Uploading {n} photos…', duplicateOf: 'Duplicate of (case id)', unit: { working_hours: 'working hours', working_days: 'working days' },
    problems: {
      note_required: 'Give a reason (at least 2 characters)', note_or_photo: 'Say what was done, or attach a photo of it', note_too_long: 'The note is too long (at most 1000 characters)', rating_required: 'Choose a rating', rating_source_required: "Choose whether it is the resident's rating (follow-up call) or your own",
      until_required: 'Choose the new deadline', until_invalid: 'That time is not valid', until_past: 'The new deadline must be in the future',
      duplicate_required: 'Give the id of the case this duplicates',
    },
  },
  dashboard: {
    title: 'Dashboard', period: 'Period', days: 'Last {n} days', trend: 'Intake and closures by day', intakeSeries: 'Intake',
    closedSeries: 'Closed', byCounty: 'By county', byTownship: 'By township', byDepartment: 'By department', byCommunity: 'By community', byGrid: 'By grid', dispatchedSeries: 'Dispatched', overdueSeries: 'Overdue now', byCategory: 'By category class',
    coverage: 'Patrol coverage today', coverageRate: 'Coverage {rate} ({covered}/{grids})', coverageDate: '{date}',
    covered: 'Patrolled twice', partial: 'Patrolled once', noneCovered: 'Not patrolled', grid: 'Grid', worker: 'Worker',
    windows: 'Patrols', community: 'Community', township: 'Township', linkHint: 'Click a figure to see its cases',
    showing: 'Showing {n} of {total} grids', onlyMissing: 'Incomplete only', county: 'County', grids: 'Grids', rate: 'Coverage',
    measures: {
      closed: 'Closed', intake: 'Intake', closure_rate: 'Closure rate', on_time_rate: 'On-time rate', rework_rate: 'Rework rate',
      extension_rate: 'Extension rate', satisfaction_rate: 'Satisfaction', overdue_now: 'Overdue now', mean_hours_to_close: 'Mean time to close',
    },
    details: {
      intake: '{n} reported in the period', closure_rate: '{closed} of {due} due', on_time_rate: '{n} on time',
      rework_rate: '{reworked} of {verified} verified', extension_rate: '{extended} of {dispatched} dispatched',
      satisfaction_rate: '{satisfied} of {rated} rated', overdue_now: 'past the deadline at a department', mean_hours_to_close: 'working hours',
    },
  },
  intake: {
    title: 'Intake', channel: 'Channel', category: 'Category', categoryPlaceholder: 'Choose or search a category',
    urgent: 'Urgent', description: 'Description', descriptionPlaceholder: 'Where, what, and what the caller asks for', address: 'Address',
    contact: 'Caller / contact', grid: 'Grid', gridPlaceholder: 'Choose a grid (or click the map)',
    place: 'Place', placeHint: 'Click the map to set the place', placeSet: 'Place {lat}, {lon}', clearPlace: 'Clear place',
    photos: 'Photos', submit: 'Lodge case', submitted: 'Lodged as case {id}', open: 'Open case',
    problems: { category: 'Choose a category', description: 'Describe the problem (at least 2 characters)', channel: 'Choose a channel' },
  },
  grids: {
    title: 'Grids & patrols', search: 'Grid name or code', township: 'Township', community: 'Community', name: 'Grid',
    kind: 'Kind', worker: 'Worker', today: 'Patrols today', patrols: 'Patrols', noPatrols: 'No patrol on that day',
    date: 'Date', started: 'Started', ended: 'Ended', points: 'Points', open: 'Track', cases: 'Cases', map: 'Grid area',
    patrolsUnavailable: 'The server does not list patrols yet ({code})', total: '{n} grids',
    time: 'Time', window: 'Round', coverage: 'Counts for coverage',
  },
  patrolWindow: { morning: 'Morning', afternoon: 'Afternoon' },
  patrolCoverage: {
    counts: 'Counts', no_track: 'Does not count: no track', outside_windows: 'Does not count: outside the patrol hours',
    started_after_receipt: 'Does not count: started later than it was uploaded',
  },
  patrol: {
    findings: '{n} findings', case: 'case', title: 'Patrol track', worker: 'Worker', grid: 'Grid', started: 'Started', ended: 'Ended', points: '{n} track points',
    distance: '{km} km', notEnded: 'in progress', noTrack: 'No track points',
  },
  settings: {
    title: 'Map settings', tileUrl: 'Tile URL template', tileHint: 'Empty: no base map (plain background, no network). A Tianditu URL (with your key) or your own tile server, as in the example.',
    attribution: 'Attribution', saved: 'Saved; maps use the new setting', language: 'Language',
  },
  forbidden: { title: 'Not allowed', body: 'This is outside your jurisdiction, or your role cannot do it.', home: 'Home' },
  notFound: { title: 'Not found', body: 'There is no such page or case.' },
}

export default consoleEn
