// This run's log, steps and checks (tests/e2e-common/report.mjs), its lines tagged "e2e-console".

import { reporter } from '../../e2e-common/report.mjs'

export { check, CheckFailed } from '../../e2e-common/report.mjs'

/** `report.currentStep` names the step running now, for the failure report. */
export const report = reporter('e2e-console')
export const { log, step } = report
