// The typed IPC boundary: a router that checks channel, sender and payload before any handler
// runs and maps thrown errors to records, plus its binding to Electron's ipcMain.

export { APP_HOST, APP_SCHEME, createRouter, isAppSender, isAppUrl, isChannel, summarizeIssues } from './router.ts';
export type { AnyResult, Router, RouterLog, RouterOptions, SenderCheck, SenderInfo } from './router.ts';
export { bindRouterToIpcMain, forwardEvents, senderInfoOf } from './electron-ipc.ts';
export type { BindIpcOptions, EventSource } from './electron-ipc.ts';
