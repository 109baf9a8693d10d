// When Cairn syncs on its own: a pure next-run rule (interval, on start, after agent files go
// quiet, on wake, backoff after failures, pause) and a Scheduler that drives the sync callback
// from it with coalescing and a bounded final run on quit. No electron here: the app feeds in
// wakes and quits, chokidar feeds in file changes.

export { DEFAULT_POLICY, backoffDelay, isPaused, nextRun } from './next-run.ts';
export type { BackoffPolicy, PlannedRun, RunReason, SchedulePolicy, ScheduleState } from './next-run.ts';
export { Scheduler } from './scheduler.ts';
export type { ChangeFeed, Clock, QuitOutcome, RunRecord, SchedulerOptions, Timers } from './scheduler.ts';
export { AgentFileWatcher, isIgnoredChange } from './agent-file-watcher.ts';
export type { AgentFileWatcherOptions } from './agent-file-watcher.ts';
export { policyFromSettings } from './settings-policy.ts';
