// This run's log, steps and checks (tests/e2e-common/report.mjs), its lines tagged "e2e-app".

import { reporter } from '../../e2e-common/report.mjs'

export { check, CheckFailed } from '../../e2e-common/report.mjs'

/** `report.currentStep` names the step running now, for the failure report. */
export const report = reporter('e2e-app')
export const { log, step } = report
