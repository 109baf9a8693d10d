@echo off
rem The `cairn` command on Windows: .\cairn backup from the project folder. Runs the built CLI
rem (dist\cli\cairn.mjs) with `node` from PATH (Node.js 22.18 or newer), building it first when
rem it is missing.
setlocal
set "ROOT=%~dp0"
where node >nul 2>nul || (echo cairn: no Node.js found. Install Node.js 22 from https://nodejs.org and run "npm ci" in %ROOT%. 1>&2 & exit /b 2)
if not exist "%ROOT%dist\cli\cairn.mjs" (
  if not exist "%ROOT%node_modules" (echo cairn: run "npm ci" in %ROOT% first. 1>&2 & exit /b 2)
  pushd "%ROOT%" && node scripts\build-cli.mjs & popd
)
node "%ROOT%dist\cli\cairn.mjs" %*
