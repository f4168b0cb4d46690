-- Drives a real Neovim (0.7+) against `adminlint lsp`; run by tests/editor.rs as
--   nvim --headless --clean -n jobs.yaml -c 'luafile nvim_harness.lua'
-- with ADMINLINT_BIN (the binary) and ADMINLINT_ROOT (the workspace folder) set.
-- Prints one JSON object per line on stdout; exits 0 when done, 2 on a timeout.

local function emit(event)
  io.stdout:write(vim.json.encode(event) .. "\n")
  io.stdout:flush()
end

local bufnr = vim.api.nvim_get_current_buf()
local uri = vim.uri_from_bufnr(bufnr)
local publishes = {}

local client_id = vim.lsp.start_client({
  name = "adminlint",
  cmd = { os.getenv("ADMINLINT_BIN"), "lsp" },
  root_dir = os.getenv("ADMINLINT_ROOT"),
  flags = { debounce_text_changes = 0 },
  handlers = {
    ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
      if result.uri == uri then
        table.insert(publishes, result)
      end
      return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
    end,
  },
})
vim.lsp.buf_attach_client(bufnr, client_id)

local function wait_for(what, predicate)
  if not vim.wait(30000, predicate, 10) then
    emit({ event = "timeout", waiting_for = what, publishes = #publishes })
    vim.cmd("cquit 2")
  end
end

-- The latest publish for this buffer has `count` diagnostics.
local function published(count)
  return function()
    local last = publishes[#publishes]
    return last ~= nil and #last.diagnostics == count
  end
end

-- What the server sent and what the editor made of it (0-based lines, byte columns).
local function snapshot(event)
  local lsp = {}
  for _, d in ipairs(publishes[#publishes].diagnostics) do
    table.insert(lsp, { code = d.code, line = d.range.start.line, character = d.range.start.character,
                        end_character = d.range["end"].character, message = d.message })
  end
  local editor = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(editor, { line = d.lnum, col = d.col, end_col = d.end_col })
  end
  table.sort(editor, function(a, b) return a.line < b.line end)
  emit({ event = event, lsp = lsp, editor = editor, publishes = #publishes })
end

-- 1. Opening the Job shows both findings.
wait_for("the first findings", published(2))
snapshot("opened")

-- 2. Fix the first Job by typing over its tag: the finding is cleared.
local first = vim.diagnostic.get(bufnr)[1]
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  if d.lnum < first.lnum then first = d end
end
local line = vim.api.nvim_buf_get_lines(bufnr, first.lnum, first.lnum + 1, true)[1]
local from, to = string.find(line, "v1.2.0", 1, true)
vim.api.nvim_buf_set_text(bufnr, first.lnum, from - 1, first.lnum, to, { "v1.2.3" })
wait_for("the fixed finding to clear", published(1))
snapshot("edited")

-- 3. Apply the quick fix of the other finding.
local remaining = publishes[#publishes].diagnostics[1]
local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", {
  textDocument = { uri = uri },
  range = remaining.range,
  context = { diagnostics = { remaining } },
}, 10000)
local titles, fix = {}, nil
for _, response in pairs(responses or {}) do
  for _, action in ipairs(response.result or {}) do
    table.insert(titles, action.title)
    if fix == nil and action.isPreferred then fix = action end
  end
end
emit({ event = "actions", titles = titles })
if fix == nil then
  emit({ event = "no quick fix" })
  vim.cmd("cquit 2")
end
vim.lsp.util.apply_workspace_edit(fix.edit, vim.lsp.get_client_by_id(client_id).offset_encoding)
wait_for("the quick-fixed finding to clear", published(0))
emit({ event = "fixed", line = remaining.range.start.line,
       text = vim.api.nvim_buf_get_lines(bufnr, remaining.range.start.line, remaining.range.start.line + 1, true)[1],
       publishes = #publishes })

-- 4. Saving publishes again; stopping the client ends the server.
local before = #publishes
vim.cmd("silent write")
wait_for("a publish after saving", function() return #publishes > before end)
emit({ event = "saved", diagnostics = #publishes[#publishes].diagnostics })
vim.lsp.stop_client(client_id)
wait_for("the server to stop", function() return vim.lsp.client_is_stopped(client_id) end)
emit({ event = "stopped" })
vim.cmd("qall!")
