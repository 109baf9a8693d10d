// Key-name globs shared by the adapters' credential lists. Each adapter lists, in one
// `CREDENTIALS` block at its top, every file, database table/column and config key where its
// agent keeps a credential; these are only the building blocks. Matching is case-insensitive.

/** Environment-variable names that carry credentials (`ANTHROPIC_API_KEY`, `GITHUB_TOKEN`, ...). */
export const SECRET_KEY_GLOB = '*{key,token,secret,password,passwd,pwd,auth,credential,cookie,header}*';

/** Config keys whose *value* is a credential; unlike env names, `env_key` or `map-tokens` are settings. */
export const SECRET_SETTING_GLOB = '*{api_key,apikey,api-key,access_key,access-key,secret,password,passwd,bearer_token,auth_token,access_token,refresh_token}*';

/** The `env` and `headers` of MCP servers, at any depth (project-level servers included). */
export const MCP_SERVER_SECRETS: readonly string[] = ['**.mcpServers.*.env', '**.mcpServers.*.headers'];
