// The worker app's Backend: everything the screens ask of the device. `tauri.ts` implements it
// over Tauri commands (the only module importing @tauri-apps/*), `mock.ts` in memory for tests
// and for `vite dev` in a plain browser; `index.ts` picks one. The contract is the facade's
// (`client/src/app/`): its view types are generated (`@/generated`).
import type {
  AppInfo,
  CaseDetail,
  CaseSummary,
  CategoryView,
  FindingInput,
  FindingView,
  HomeView,
  PatrolView,
  PhotoView,
  SessionView,
  Settings,
  SyncView,
  TrackPointInput,
  VerifyInput,
} from './types'

export interface Backend {
  appInfo(): Promise<AppInfo>
  login(serverUrl: string, username: string, password: string): Promise<SessionView>
  logout(): Promise<void>
  setSettings(s: Settings): Promise<Settings>
  home(): Promise<HomeView>
  categories(): Promise<CategoryView[]>
  startPatrol(): Promise<PatrolView>
  currentPatrol(): Promise<PatrolView | null>
  addTrackPoints(patrolId: string, points: TrackPointInput[]): Promise<PatrolView>
  endPatrol(patrolId: string): Promise<PatrolView>
  addPhoto(bytes: Uint8Array, lat?: number, lon?: number): Promise<PhotoView>
  saveFinding(input: FindingInput): Promise<FindingView>
  findings(patrolId?: string): Promise<FindingView[]>
  myCases(): Promise<CaseSummary[]>
  caseDetail(caseId: string): Promise<CaseDetail>
  verificationTasks(): Promise<CaseSummary[]>
  verifyCase(input: VerifyInput): Promise<CaseDetail>
  photo(sha256: string): Promise<PhotoView>
  syncStatus(): Promise<SyncView>
  syncNow(): Promise<void>
  /** The worker has read a refused op's reason: it leaves the list and the badges. */
  dismissRejected(opId: string): Promise<SyncView>
  uiReady(): Promise<void>
  /** Returns the unsubscribe function. */
  onSyncProgress(cb: (s: SyncView) => void): () => void
  onDataChanged(cb: () => void): () => void
}

