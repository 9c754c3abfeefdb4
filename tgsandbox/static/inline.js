/* digestbot sandbox — inline mode in the web chat.
 *
 * Typing "@<bot username> words" (or just "@<bot username>") in the composer sends the bot an
 * inline query through the control API (POST /_sandbox/inline, debounced), as a Telegram app
 * does. The bot's answer arrives on the event stream ("inline_answer"); its results are listed
 * above the composer, "More results" asks again with the answer's next_offset, and a click on a
 * result posts it into the open chat (POST /_sandbox/inline/choose) as the user's message via
 * the bot. Everything the bot sent becomes text through el() only.
 */

import { el } from "./dom.js";

const DEBOUNCE_MS = 300;
const GIVE_UP_MS = 15000; // Telegram's apps stop waiting for the bot after a while
const INLINE = /^@([A-Za-z0-9_]{1,32})(?:\s([\s\S]*))?$/;

/**
 * deps: {api, ui: {panel, composer}, current: () => ({bot, userId, chatId, threadId}),
 *        posted(message), cleared(), startBot(parameter), toast(text, kind)}
 */
export function createInline(deps) {
  const { api, ui } = deps;
  let timer = null;
  let giveUp = null;
  let seq = 0;
  let session = null; // {query, chatId, userId, queryId, offset, results: [{result, queryId}], nextOffset, button, status}
  const early = new Map(); // inline_query_id -> answer that came before POST /inline returned

  /** The query of a composer text that addresses the bot, or null. */
  function queryOf(value) {
    const { bot } = deps.current();
    const match = INLINE.exec(value);
    if (!match || !bot || !bot.username) return null;
    if (match[1].toLowerCase() !== bot.username.toLowerCase()) return null;
    return match[2] ?? "";
  }

  function onInput(value) {
    const query = queryOf(value);
    if (query === null) {
      hide();
      return;
    }
    const { userId, chatId } = deps.current();
    if (session && session.query === query && session.chatId === chatId && session.userId === userId) return;
    clearTimeout(timer);
    session = {
      query, chatId, userId, queryId: null, offset: "", results: [], nextOffset: "", button: null,
      status: "waiting",
    };
    render();
    const mine = session;
    timer = setTimeout(() => ask(mine, ""), DEBOUNCE_MS);
  }

  async function ask(mine, offset) {
    if (session !== mine) return;
    const ticket = ++seq;
    mine.status = "waiting";
    mine.offset = offset;
    render();
    let queryId;
    try {
      const body = { user_id: mine.userId, query: mine.query, offset, chat_id: mine.chatId };
      ({ inline_query_id: queryId } = await api("/inline", body));
    } catch (error) {
      if (session === mine) {
        mine.status = "error";
        render();
      }
      deps.toast(`Inline query not sent — ${error.message}`, "error");
      return;
    }
    if (session !== mine || ticket !== seq) return;
    mine.queryId = String(queryId);
    const answer = early.get(mine.queryId);
    if (answer) {
      early.delete(mine.queryId);
      apply(answer);
      return;
    }
    clearTimeout(giveUp);
    giveUp = setTimeout(() => {
      if (session === mine && mine.status === "waiting") {
        mine.status = "silent";
        render();
      }
    }, GIVE_UP_MS);
  }

  function onEvent(event) {
    const id = String(event.inline_query_id);
    if (session && session.queryId === id) {
      apply(event);
    } else {
      early.set(id, event);
      setTimeout(() => early.delete(id), 30000);
    }
  }

  function apply(answer) {
    const mine = session;
    if (!mine) return;
    clearTimeout(giveUp);
    const results = Array.isArray(answer.results) ? answer.results : [];
    const fresh = results
      .filter((r) => r && typeof r === "object" && r.id !== undefined)
      .map((result) => ({ result, queryId: mine.queryId }));
    mine.results = mine.offset ? [...mine.results, ...fresh] : fresh;
    mine.nextOffset = typeof answer.next_offset === "string" ? answer.next_offset : "";
    if (!mine.offset) mine.button = answer.button && typeof answer.button === "object" ? answer.button : null;
    mine.status = "answered";
    render();
  }

  function botHandle() {
    const { bot } = deps.current();
    return bot && bot.username ? `@${bot.username}` : "the bot";
  }

  function statusText(mine) {
    if (mine.status === "waiting") return mine.offset ? "Loading more…" : `Asking ${botHandle()}…`;
    if (mine.status === "silent") return `${botHandle()} did not answer`;
    if (mine.status === "error") return "The inline query was not sent";
    return mine.results.length ? "" : "No results";
  }

  function resultNode({ result, queryId }) {
    const type = String(result.type ?? "");
    const title = String(result.title ?? "") || (type === "photo" ? "Photo" : String(result.id));
    const description = String(result.description ?? "");
    return el("button", {
      type: "button", role: "option", class: "inline-result", "data-testid": "inline-result",
      "data-result-id": String(result.id), "data-result-type": type,
      onclick: () => choose(result, queryId),
    },
    el("span", { class: "inline-result-icon", "aria-hidden": "true", text: type === "photo" ? "🖼" : "📄" }),
    el("span", { class: "inline-result-body" },
      el("span", { class: "inline-result-title", "data-testid": "inline-result-title", text: title }),
      description
        ? el("span", { class: "inline-result-description", "data-testid": "inline-result-description", text: description })
        : null));
  }

  function render() {
    const mine = session;
    if (!mine) {
      ui.panel.hidden = true;
      ui.panel.replaceChildren();
      return;
    }
    const nodes = [];
    const button = mine.button;
    if (button && typeof button.text === "string") {
      const parameter = typeof button.start_parameter === "string" ? button.start_parameter : null;
      nodes.push(el("button", {
        type: "button", class: "inline-switch", "data-testid": "inline-switch", text: button.text,
        disabled: parameter === null,
        title: parameter === null ? "Web apps do not open in the sandbox" : null,
        onclick: () => {
          hide();
          deps.startBot(parameter);
        },
      }));
    }
    const list = el("div", {
      class: "inline-list", role: "listbox", "aria-label": `Results from ${botHandle()}`,
      "data-testid": "inline-list",
    }, ...mine.results.map(resultNode));
    nodes.push(list);
    const status = statusText(mine);
    if (status) nodes.push(el("p", { class: "inline-status", "data-testid": "inline-status", role: "status", text: status }));
    if (mine.nextOffset && mine.status === "answered") {
      nodes.push(el("button", {
        type: "button", class: "inline-more", "data-testid": "inline-more", text: "More results",
        onclick: () => ask(mine, mine.nextOffset),
      }));
    }
    ui.panel.replaceChildren(...nodes);
    ui.panel.hidden = false;
    ui.panel.setAttribute("aria-busy", mine.status === "waiting" ? "true" : "false");
  }

  async function choose(result, queryId) {
    const mine = session;
    if (!mine) return;
    const { threadId } = deps.current();
    const body = {
      user_id: mine.userId, chat_id: mine.chatId, inline_query_id: queryId, result_id: String(result.id),
    };
    if (threadId !== null && threadId !== undefined) body.message_thread_id = threadId;
    try {
      const message = await api("/inline/choose", body);
      hide();
      deps.cleared();
      deps.posted(message, mine.chatId);
    } catch (error) {
      deps.toast(`Not sent — ${error.message}`, "error");
    }
  }

  function hide() {
    clearTimeout(timer);
    clearTimeout(giveUp);
    seq += 1;
    if (!session && ui.panel.hidden) return;
    session = null;
    render();
  }

  const options = () => [...ui.panel.querySelectorAll("button:not(:disabled)")];

  /** Arrow keys: from the composer into the list, and along it; Escape: back to typing. */
  function onKey(event, fromComposer) {
    if (!session || ui.panel.hidden) return false;
    const buttons = options();
    if (event.key === "Escape") {
      hide();
      ui.composer.focus();
      return true;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return false;
    if (!buttons.length) return false;
    const at = fromComposer ? -1 : buttons.indexOf(document.activeElement);
    if (fromComposer && event.key === "ArrowUp") return false;
    const next = event.key === "ArrowDown" ? at + 1 : at - 1;
    if (next < 0) ui.composer.focus();
    else buttons[Math.min(next, buttons.length - 1)].focus();
    return true;
  }

  ui.panel.addEventListener("keydown", (event) => {
    if (onKey(event, false)) event.preventDefault();
  });

  return {
    onInput,
    onEvent,
    hide,
    onComposerKey: (event) => onKey(event, true),
    get open() {
      return !!session;
    },
  };
}
