import type { Messages } from './zh-CN'

const en: Messages = {
  app: { name: 'Yiwang', subtitle: 'Grid patrol' },
  common: {
    save: 'Save', cancel: 'Cancel', confirm: 'OK', retry: 'Retry', loading: 'Loading…', none: 'None',
    back: 'Back', saved: 'Saved', offline: 'Offline', online: 'Online', noLocation: 'No location',
    locating: 'Locating…', waiting: 'Waiting', sent: 'Synced', rejected: 'Rejected', photos: 'Photos',
    addPhoto: 'Camera / album', photoProcessing: 'Processing…', photoPending: 'Not synced yet',
  },
  tabs: { home: 'Home', cases: 'Cases', tasks: 'Verify', sync: 'Sync', settings: 'Settings' },
  login: {
    title: 'Sign in', server: 'Server', username: 'User name', password: 'Password', submit: 'Sign in',
    serverPlaceholder: 'http://server:8080', usernamePlaceholder: 'e.g. worker-0001',
    passwordPlaceholder: 'Password', device: 'This device: {name}', demoHint: 'Demo account filled in: just sign in',
    offlineHint: 'The first sign-in needs the network; after that the same account signs in offline too.',
    welcome: 'Welcome back, {name}',
  },
  home: {
    greeting: 'Hello, {name}', grid: 'My grid', noGrid: 'No grid assigned yet: ask your community admin',
    todayPatrols: "Today's patrols", morning: 'Morning', afternoon: 'Afternoon', done: 'Done', inProgress: 'In progress',
    due: 'Due', startPatrol: 'Start patrol', openPatrol: 'Resume patrol', newFinding: 'Quick note',
    waitingSync: 'Waiting', rejected: 'Rejected', tasks: 'To verify', openCases: 'Open cases',
    lastSync: 'Last sync', neverSynced: 'Never synced', needsLogin: 'Signed in offline: sign in again when online to sync',
    kind: { urban_rural: 'Urban-rural grid', school: 'School grid', enterprise: 'Enterprise grid' },
  },
  patrol: {
    title: 'Patrol', elapsed: 'Time', distance: 'Distance', points: 'Track points', start: 'Start patrol', end: 'End patrol',
    endConfirm: 'End this patrol?', ended: 'Patrol ended', started: 'Patrol started', newFinding: 'Record a finding',
    findings: 'Findings on this patrol', noFindings: 'No findings yet', noTrack: 'No track yet', gpsOff: 'No location: keep patrolling, positions are not recorded',
    gpsOn: 'Location OK (±{m} m)', gpsSuspect: 'The fix claims 0 m accuracy, as mock-location apps do: records are marked as mock', none: 'No patrol in progress', startedAt: 'Started {time}',
  },
  finding: {
    title: 'New finding', category: 'Category', chooseCategory: 'Choose a category', searchPlaceholder: 'Characters, pinyin or initials',
    noMatch: 'No matching category', description: 'Description', descriptionPlaceholder: 'Where, what, and what you saw',
    photos: 'Photos (up to 9)', location: 'Location', disposition: 'Disposition',
    dispositions: { resolved_on_spot: 'Resolved on the spot', report: 'Report a case', note: 'Note only' },
    urgent: 'Urgent', save: 'Save', saved: 'Saved; it will sync by itself', savedReport: 'Saved and reported; it will sync by itself',
    quality: { good: 'Good fix', mock: 'Mock location', suspect: 'Suspect fix', missing: 'No location' },
    deadline: 'Deadline {days} working days · {dept}',
    department: 'Handled by default by {dept}',
  },
  cases: {
    title: 'My cases', empty: 'No cases in your grid', reported: 'Reported {time}', deadline: 'Deadline', deadlineAtDispatch: 'Starts when dispatched', holder: 'Now at',
    department: 'Department', address: 'Place', grid: 'Grid', timeline: 'Timeline', chainVerified: 'Record chain verified',
    chainBroken: 'Record chain NOT verified', pending: 'Waiting on this device', verify: 'Verify', outcome: 'Outcome',
    rating: 'Rating', filterOpen: 'Open', filterAll: 'All', photoMissing: 'Photo not synced yet',
    outcomes: { resolved: 'Resolved', resolved_on_spot: 'Resolved on the spot', invalid: 'Invalid', duplicate: 'Duplicate' },
  },
  actions: {
    report: 'Reported', claim: 'Claimed', escalate: 'Escalated', dispatch: 'Dispatched', return: 'Returned', accept: 'Accepted',
    report_handled: 'Reported handled', resolve: 'Resolved', assign_verify: 'Verification assigned', verify_pass: 'Verified: passed',
    verify_fail: 'Verified: failed (rework)', close: 'Closed', reject_invalid: 'Rejected as invalid', merge_duplicate: 'Merged as duplicate', unmerge: 'Merge undone',
    reopen: 'Reopened', supervise: 'Urged', comment: 'Comment', request_extension: 'Extension requested',
    extend_deadline: 'Deadline extended', refuse_extension: 'Extension refused', rate: 'Rated',
  },
  roles: {
    grid_worker: 'Grid worker', community: 'Community', township: 'Township', center: 'County centre',
    department: 'Department', leader: 'Leader', admin: 'Admin',
  },
  tasks: { title: 'Verification tasks', empty: 'Nothing to verify', hint: 'Handled cases: check them on site' },
  verify: {
    title: 'On-site check', result: 'Result', pass: 'Passed (resolved)', fail: 'Failed (rework)', note: 'Note',
    notePlaceholder: 'Required when it failed: say what is still wrong', submit: 'Submit', done: 'Saved; it will sync by itself',
  },
  sync: {
    title: 'Sync', now: 'Sync now', last: 'Last successful sync', ops: 'Records {done}/{total}', bytes: 'Photos {done}/{total}',
    waiting: 'Waiting to sync', rejected: 'Rejected by the server', photosWaiting: '{n} photos to upload', empty: 'Everything is synced',
    needsLogin: 'Sign in again to sync', login: 'Sign in', lastError: 'Last error',
    dismiss: 'Got it', rejectedHint: 'The server did not take these records, for the reasons below. Tap "Got it" once read to clear one; record it again or call your township if needed.',
    kinds: {
      patrol_start: 'Patrol start', patrol_track: 'Patrol track', patrol_end: 'Patrol end', finding_create: 'Finding', case_action: 'Case action',
    },
    phase: {
      idle: 'Idle', push: 'Sending records', upload: 'Uploading photos', pull: 'Fetching updates', backoff: 'No network; retrying soon',
      needs_login: 'Sign-in needed', stopped: 'Stopped',
    },
  },
  settings: {
    title: 'Settings', language: 'Language', watermark: 'Photo watermark', watermarkHint: 'Time, grid, place, worker',
    server: 'Server', account: 'Account', device: 'Device', version: 'Version', logout: 'Sign out',
    logoutConfirm: 'Sign out?', logoutRefused: 'Unsynced records: you cannot sign out yet', logoutRefusedDetail: 'Sync first (Sync → Sync now); sign out once everything is synced.',
    goSync: 'Go to Sync', saved: 'Settings saved', relogin: 'Sign in again',
    insecure: 'Allow unencrypted connections (http)', insecureHint: 'For a test server only; use an https:// address in service',
    insecureConfirm: 'An unencrypted connection sends your password and patrol records over the network in the clear, where anyone can read them. Turn it on for a test server only. Allow it?',
  },
  validation: {
    category_required: 'Choose a category', category_not_leaf: 'Choose a specific sub-category', disposition_required: 'Choose a disposition',
    description_too_long: 'At most {max} characters', report_needs_description: 'A report needs a description (at least {min} characters)',
    description_or_photo: 'Write a description (at least {min} characters) or take a photo', too_many_photos: 'At most {max} photos',
    duplicate_photo: 'The same photo is attached twice', location_incomplete: 'The location is incomplete',
    location_invalid: 'The location is off the map', accuracy_invalid: 'The location accuracy is not valid',
    case_id_missing: 'The report has no case id', case_id_unexpected: 'Only a report opens a case',
    verify_choose: 'Choose a result', verify_fail_note: 'Say why it failed (at least {min} characters)',
  },
}

export default en
