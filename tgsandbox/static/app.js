/* digestbot sandbox — the web chat page.
 *
 * Talks only to the emulator's control API under /_sandbox/ (see the sandbox contract):
 * GET state and messages, POST users/chats/topics/send/press/…, and live updates from the
 * Server-Sent Events stream /_sandbox/events.
 *
 * Safety rule: everything that comes from the bot (or any user) becomes DOM through
 * createElement + textContent only (dom.js); message formatting is rebuilt from `text` +
 * `entities`, and links become anchors only for http(s) and tg URLs (format.js). Nothing here
 * ever parses a string as HTML. ES modules, no build step.
 */

import { $, el } from "./dom.js";
import { renderFormatted, safeUrl, withCommands } from "./format.js";
import { createInline } from "./inline.js";

const API = "/_sandbox";
const PREFS_KEY = "digestbot-sandbox";
const ANONYMOUS_ADMIN_ID = 1087968824;
const TYPING_LABELS = {
  typing: "typing", upload_photo: "sending a photo", upload_document: "sending a file",
  record_voice: "recording a voice message", upload_voice: "sending a voice message",
  record_video: "recording a video", upload_video: "sending a video",
  choose_sticker: "choosing a sticker", find_location: "finding a location",
};

const state = {
  bot: null,
  users: new Map(), // id -> User
  chats: new Map(), // id -> Chat (+ bot_status, member_ids, admin_ids, topics)
  commandsRaw: null,
  userId: null,
  chatId: null,
  threads: {}, // chat id -> chosen message_thread_id (forums)
  messages: new Map(), // message_id -> SandboxMessage, for the open chat
  deleted: new Set(), // message ids deleted while the open chat was loading
  nodes: new Map(), // message_id -> {key, node}
  unread: new Map(), // chat id -> count
  preview: new Map(), // chat id -> last message text
  pendingPresses: new Map(), // callback_query_id -> button
  earlyAnswers: new Map(), // callback_query_id -> event (arrived before the press returned)
  booted: false,
  openSeq: 0,
};

const ui = {};
let inline = null; // inline mode: "@bot query" in the composer (inline.js)

// ---- the control API --------------------------------------------------------------------

async function api(path, body) {
  const options = body === undefined
    ? { headers: { Accept: "application/json" } }
    : {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    };
  const response = await fetch(API + path, options);
  const raw = await response.text();
  let data = null;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    data = null;
  }
  if (!response.ok || (data && data.ok === false)) {
    const reason = (data && (data.description || data.error)) || raw || response.statusText;
    throw new Error(`${response.status}: ${reason}`);
  }
  if (data && typeof data === "object" && data.ok === true && "result" in data) return data.result;
  return data;
}

// ---- preferences (localStorage) ---------------------------------------------------------

function loadPrefs() {
  try {
    const prefs = JSON.parse(localStorage.getItem(PREFS_KEY) || "{}");
    return prefs && typeof prefs === "object" ? prefs : {};
  } catch {
    return {};
  }
}

function savePrefs() {
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify({
      userId: state.userId, chatId: state.chatId, threads: state.threads,
    }));
  } catch {
    /* private mode or quota: preferences are a convenience */
  }
}

// ---- names and labels -------------------------------------------------------------------

function userName(user) {
  if (!user) return "Unknown";
  const known = state.users.get(user.id) || user;
  const full = [known.first_name, known.last_name].filter(Boolean).join(" ");
  return full || (known.username ? `@${known.username}` : `User ${known.id}`);
}

function chatTitle(chat) {
  if (!chat) return "";
  if (chat.title) return chat.title;
  const full = [chat.first_name, chat.last_name].filter(Boolean).join(" ");
  return full || (chat.username ? `@${chat.username}` : `Chat ${chat.id}`);
}

const botName = () => (state.bot && state.bot.first_name) || "Bot";

function isMember(chat, userId) {
  if (!chat || userId === null) return false;
  if (chat.type === "private") return chat.id === userId;
  return (chat.member_ids || []).includes(userId) || (chat.admin_ids || []).includes(userId);
}

const isAdmin = (chat, userId) => !!chat && (chat.admin_ids || []).includes(userId);

function botStatusLabel(chat) {
  const status = chat.bot_status;
  if (chat.type === "private") {
    return status === "kicked" ? "the bot is blocked" : "";
  }
  return {
    administrator: "bot is admin",
    member: "bot is a member",
    left: "bot is not in the chat",
    kicked: "bot was removed",
    restricted: "bot is restricted",
  }[status] || "";
}

function chatKind(chat) {
  if (chat.type === "private") return "private chat";
  if (chat.type === "supergroup") return chat.is_forum ? "forum" : "supergroup";
  return chat.type;
}

// Telegram picks a user's or chat's colour from seven by its id
const HUES = [4, 28, 265, 135, 190, 210, 330];
const hueOf = (id) => HUES[Math.abs(Math.trunc(Number(id) || 0)) % HUES.length];

function avatar(name, id) {
  const initial = Array.from(name.trim())[0] || "?";
  const node = el("span", { class: "avatar", "aria-hidden": "true", text: initial.toUpperCase() });
  node.style.setProperty("--hue", String(hueOf(id)));
  return node;
}

function formatTime(seconds) {
  if (!Number.isFinite(seconds)) return "";
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function formatDay(seconds) {
  const day = new Date(seconds * 1000);
  const today = new Date();
  if (day.toDateString() === today.toDateString()) return "Today";
  return day.toLocaleDateString([], { year: "numeric", month: "long", day: "numeric" });
}

// ---- messages ---------------------------------------------------------------------------

const SERVICE_KEYS = [
  "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo",
  "delete_chat_photo", "group_chat_created", "supergroup_chat_created", "channel_chat_created",
  "migrate_to_chat_id", "migrate_from_chat_id", "pinned_message", "forum_topic_created",
  "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened",
  "message_auto_delete_timer_changed",
];

function hasContent(m) {
  return typeof m.text === "string" || typeof m.caption === "string" || !!m.photo
    || !!m.document || !!m.sticker || !!m.animation || !!m.video || !!m.audio || !!m.voice;
}

function serviceText(m) {
  const actor = m.sender_chat ? chatTitle(m.sender_chat) : m.from ? userName(m.from) : "";
  const names = (list) => (list || []).map((u) => (u.is_bot && state.bot && u.id === state.bot.id
    ? botName() : userName(u))).join(", ");
  if (m.new_chat_members) {
    const joined = names(m.new_chat_members);
    const self = m.new_chat_members.length === 1 && m.from && m.new_chat_members[0].id === m.from.id;
    return self || !actor ? `${joined} joined the group` : `${actor} added ${joined}`;
  }
  if (m.left_chat_member) return `${names([m.left_chat_member])} left the group`;
  if (m.new_chat_title) return `${actor} changed the title to “${m.new_chat_title}”`;
  if (m.group_chat_created || m.supergroup_chat_created) return `${actor} created the group`;
  if (m.channel_chat_created) return "Channel created";
  if (m.migrate_to_chat_id) return "This group was upgraded to a supergroup";
  if (m.migrate_from_chat_id) return "Upgraded from a group";
  if (m.pinned_message) return `${actor} pinned a message`;
  if (m.forum_topic_created) return `Topic “${m.forum_topic_created.name || ""}” created`;
  if (m.forum_topic_edited) return "Topic edited";
  if (m.forum_topic_closed) return "Topic closed";
  if (m.forum_topic_reopened) return "Topic reopened";
  const key = SERVICE_KEYS.find((k) => k in m);
  return key ? key.replaceAll("_", " ") : "Unsupported message";
}

function serviceNode(m) {
  const node = el("div", {
    class: "service", role: "note", "data-testid": "service-message",
    "data-message-id": String(m.message_id),
  }, el("span", { class: "service-text", text: serviceText(m) }));
  if (m.migrate_to_chat_id && state.chats.has(m.migrate_to_chat_id)) {
    node.append(el("button", {
      type: "button", class: "link-button", text: "Open the supergroup",
      onclick: () => openChat(m.migrate_to_chat_id),
    }));
  }
  return node;
}

function senderLabel(m) {
  if (m.sender_chat) {
    const title = chatTitle(m.sender_chat);
    return m.author_signature ? `${title} · ${m.author_signature}` : title;
  }
  if (m.outgoing || (m.from && state.bot && m.from.id === state.bot.id)) return botName();
  return userName(m.from);
}

function isMine(m) {
  if (m.outgoing || m.sender_chat || !m.from) return false;
  return m.from.id === state.userId && m.from.id !== ANONYMOUS_ADMIN_ID;
}

function keyboardNode(m) {
  const rows = m.reply_markup && m.reply_markup.inline_keyboard;
  if (!Array.isArray(rows) || rows.length === 0) return null;
  const keyboard = el("div", { class: "keyboard", role: "group", "aria-label": "Message buttons" });
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    const rowNode = el("div", { class: "keyboard-row" });
    for (const button of row) {
      if (!button || typeof button !== "object") continue;
      const label = String(button.text ?? "");
      if (typeof button.callback_data === "string") {
        const node = el("button", {
          type: "button", class: "inline-button", "data-testid": "inline-button", text: label,
        });
        node.addEventListener("click", () => press(m, button.callback_data, node));
        rowNode.append(node);
      } else if (typeof button.url === "string") {
        const href = safeUrl(button.url);
        rowNode.append(href
          ? el("a", {
            class: "inline-button url", "data-testid": "inline-button", href,
            target: "_blank", rel: "noopener noreferrer", title: href, text: label,
          })
          : el("button", {
            type: "button", class: "inline-button", "data-testid": "inline-button",
            disabled: true, title: "Link not opened: only http(s) and tg links are", text: label,
          }));
      } else if (button.copy_text && typeof button.copy_text.text === "string") {
        const value = button.copy_text.text;
        rowNode.append(el("button", {
          type: "button", class: "inline-button", "data-testid": "inline-button", text: label,
          onclick: () => navigator.clipboard.writeText(value).then(
            () => toast("Copied"), () => toast("Could not copy", "error"),
          ),
        }));
      } else {
        rowNode.append(el("button", {
          type: "button", class: "inline-button", "data-testid": "inline-button",
          disabled: true, title: "This kind of button is not supported in the sandbox", text: label,
        }));
      }
    }
    keyboard.append(rowNode);
  }
  return keyboard;
}

function replyQuote(m) {
  const reply = m.reply_to_message;
  if (!reply || typeof reply !== "object") return null;
  const snippet = (reply.text || reply.caption || (reply.photo ? "Photo" : "Message")).slice(0, 90);
  return el("button", {
    type: "button", class: "reply-quote", title: "Show the message",
    onclick: () => {
      const target = ui.messages.querySelector(`[data-message-id="${Number(reply.message_id)}"]`);
      if (target) target.scrollIntoView({ behavior: "smooth", block: "center" });
    },
  }, el("span", { class: "reply-name", text: senderLabel(reply) }), el("span", { class: "reply-text", text: snippet }));
}

function buildMessage(m) {
  if (!hasContent(m)) return serviceNode(m);
  const chat = state.chats.get(state.chatId);
  const mine = isMine(m);
  const fromBot = !!m.outgoing;
  const node = el("article", {
    class: `message ${fromBot ? "from-bot" : "from-user"} ${mine ? "mine" : "theirs"}`,
    "data-testid": "message",
    "data-sender": fromBot ? "bot" : "user",
    "data-mine": mine ? "true" : "false",
    "data-message-id": String(m.message_id),
  });
  const bubble = el("div", { class: "bubble" });
  if (chat && chat.type !== "private" && !mine) {
    const name = el("div", { class: "sender", "data-testid": "message-sender", text: senderLabel(m) });
    const senderId = m.sender_chat ? m.sender_chat.id : m.from ? m.from.id : 0;
    name.style.setProperty("--hue", String(hueOf(senderId)));
    bubble.append(name);
  } else {
    bubble.append(el("span", { class: "visually-hidden", text: `${senderLabel(m)}: ` }));
  }
  if (m.via_bot && typeof m.via_bot === "object") {
    const handle = m.via_bot.username ? `@${m.via_bot.username}` : userName(m.via_bot);
    bubble.append(el("div", { class: "via", "data-testid": "message-via", text: `via ${handle}` }));
  }
  const quote = replyQuote(m);
  if (quote) bubble.append(quote);
  if (m.photo) {
    const src = typeof m.photo_url === "string" && (m.photo_url.startsWith("/") ? m.photo_url : safeUrl(m.photo_url));
    if (src) {
      const sizes = Array.isArray(m.photo) ? m.photo : [];
      const largest = sizes.reduce((a, b) => ((b.width || 0) > (a.width || 0) ? b : a), {});
      const img = el("img", {
        class: "photo", "data-testid": "message-photo", src, alt: m.caption ? "" : "Photo",
        width: largest.width || null, height: largest.height || null,
      });
      img.addEventListener("load", () => {
        if (stickToBottom) scrollToBottom();
      });
      bubble.append(img);
    } else bubble.append(el("div", { class: "attachment", text: "🖼 Photo" }));
    bubble.classList.add("has-photo");
  }
  if (m.document) {
    bubble.append(el("div", { class: "attachment", "data-testid": "message-document" },
      "📄 ", String(m.document.file_name || "File")));
  }
  if (m.sticker) bubble.append(el("div", { class: "attachment", text: m.sticker.emoji || "Sticker" }));
  if (typeof m.text === "string") {
    const body = el("div", { class: "text", "data-testid": "message-text", dir: "auto" });
    body.append(renderFormatted(m.text, m.outgoing ? withCommands(m.text, m.entities) : m.entities, m));
    bubble.append(body);
  }
  if (typeof m.caption === "string" && m.caption) {
    const body = el("div", { class: "text caption", "data-testid": "message-caption", dir: "auto" });
    body.append(renderFormatted(m.caption, m.caption_entities, m));
    bubble.append(body);
  }
  const meta = el("span", { class: "meta" });
  if (m.edit_date) meta.append(el("span", { class: "edited", "data-testid": "message-edited", text: "edited" }));
  const when = el("time", { text: formatTime(m.date) });
  if (Number.isFinite(m.date)) {
    when.setAttribute("datetime", new Date(m.date * 1000).toISOString());
    when.title = new Date(m.date * 1000).toLocaleString();
  }
  meta.append(when);
  bubble.append(meta);
  node.append(bubble);
  const keyboard = keyboardNode(m);
  if (keyboard) node.append(keyboard);
  return node;
}

function messageNode(m) {
  const key = `${state.userId}|${JSON.stringify(m)}`;
  const cached = state.nodes.get(m.message_id);
  if (cached && cached.key === key) return cached.node;
  const node = buildMessage(m);
  state.nodes.set(m.message_id, { key, node });
  return node;
}

function inOpenThread(m) {
  const chat = state.chats.get(state.chatId);
  if (!chat || !chat.is_forum) return true;
  const thread = state.threads[chat.id] ?? null;
  const own = m.message_thread_id ?? null;
  if (thread === null) return own === null || own === 1 || !(chat.topics || []).some((t) => t.id === own);
  return own === thread;
}

function renderMessages({ toBottom = false } = {}) {
  const box = ui.messages;
  const list = [...state.messages.values()]
    .filter(inOpenThread)
    .sort((a, b) => a.message_id - b.message_id);
  const nodes = [];
  let lastDay = null;
  for (const m of list) {
    const day = Number.isFinite(m.date) ? new Date(m.date * 1000).toDateString() : lastDay;
    if (day !== lastDay) {
      nodes.push(daySeparator(day, m.date));
      lastDay = day;
    }
    nodes.push(messageNode(m));
  }
  if (list.length === 0) nodes.push(emptyState());
  reconcile(box, nodes);
  if (toBottom || stickToBottom) scrollToBottom();
}

// follow new messages while the reader is at the bottom, like Telegram
let stickToBottom = true;

function scrollToBottom() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
  stickToBottom = true;
}

/** Make box's children exactly `nodes`, moving as little as possible (keeps selections). */
function reconcile(box, nodes) {
  let cursor = box.firstChild;
  for (const node of nodes) {
    if (node === cursor) cursor = cursor.nextSibling;
    else box.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
}

const daySeparators = new Map();

function daySeparator(day, seconds) {
  const label = formatDay(seconds);
  const cached = daySeparators.get(day);
  if (cached && cached.textContent === label) return cached;
  const node = el("div", { class: "day", role: "separator" }, el("span", { text: label }));
  daySeparators.set(day, node);
  return node;
}

let emptyNode = { key: null, node: null };

function emptyState() {
  const chat = state.chats.get(state.chatId);
  const key = `${state.chatId}|${chat ? chatTitle(chat) : ""}`;
  if (emptyNode.key !== key) emptyNode = { key, node: buildEmptyState(chat) };
  return emptyNode.node;
}

function buildEmptyState(chat) {
  const box = el("div", { class: "empty", "data-testid": "empty-chat" });
  if (!chat) {
    box.append(el("p", { text: "Choose a chat on the left, or create one." }));
    return box;
  }
  box.append(el("p", { class: "empty-title", text: chatTitle(chat) }));
  if (chat.type === "private") {
    box.append(el("p", { text: `${botName()} brings each day's news digest to this chat.` }));
    box.append(el("button", {
      type: "button", class: "start-button", "data-testid": "start-button", text: "Start",
      onclick: () => sendText("/start"),
    }));
  } else {
    box.append(el("p", { text: "No messages here yet." }));
  }
  return box;
}

function upsertMessage(m) {
  if (!m || typeof m.message_id !== "number") return;
  const existing = state.messages.get(m.message_id);
  if (existing && (existing.edit_date || 0) > (m.edit_date || 0)) return;
  state.messages.set(m.message_id, m);
}

// ---- the sidebar ------------------------------------------------------------------------

function renderUsers() {
  const options = [...state.users.values()].map((user) => el("option", {
    value: String(user.id), text: `${userName(user)}${user.language_code ? ` (${user.language_code})` : ""}`,
  }));
  ui.whoami.replaceChildren(...options);
  if (state.userId !== null) ui.whoami.value = String(state.userId);
  ui.whoami.disabled = options.length === 0;
}

function chatListItem(chat) {
  const title = chatTitle(chat);
  const unread = state.unread.get(chat.id) || 0;
  const preview = state.preview.get(chat.id);
  const status = chat.migrated_to ? "upgraded to a supergroup" : botStatusLabel(chat);
  const meta = [chatKind(chat), status].filter(Boolean).join(" · ");
  const button = el("button", {
    type: "button", class: "chat-item", "data-testid": "chat-list-item",
    "data-chat-id": String(chat.id), "data-chat-type": chat.type,
    "aria-current": chat.id === state.chatId ? "page" : null,
    onclick: () => openChat(chat.id),
  },
  avatar(title, chat.id),
  el("span", { class: "chat-item-body" },
    el("span", { class: "chat-item-title", text: title }),
    el("span", { class: "chat-item-meta", text: preview || meta })),
  unread ? el("span", { class: "badge", "aria-label": `${unread} unread`, text: String(unread) }) : null);
  return el("li", {}, button);
}

function renderChatList() {
  const mine = [];
  const others = [];
  for (const chat of state.chats.values()) {
    // an upgraded group lives on as its supergroup
    (isMember(chat, state.userId) && !chat.migrated_to ? mine : others).push(chat);
  }
  const items = mine.map(chatListItem);
  if (others.length) {
    items.push(el("li", { class: "list-heading", role: "presentation", text: "Other chats" }));
    items.push(...others.map(chatListItem));
  }
  if (!items.length) items.push(el("li", { class: "list-empty", text: "No chats yet" }));
  ui.chatList.replaceChildren(...items);
}

// ---- the header, topics, composer ---------------------------------------------------------

let typingTimer = null;

function renderHeader() {
  const chat = state.chats.get(state.chatId);
  ui.title.textContent = chat ? chatTitle(chat) : "No chat open";
  if (!typingTimer) ui.subtitle.textContent = chat ? subtitle(chat) : "";
  ui.subtitle.classList.toggle("typing", !!typingTimer);
  renderActions(chat);
  renderTopics(chat);
  const canWrite = !!chat && state.userId !== null;
  ui.composer.disabled = !canWrite;
  ui.send.disabled = !canWrite;
  ui.composer.placeholder = !chat ? "Choose a chat"
    : chat.type === "channel" ? "Broadcast a post" : "Message";
  const anonymous = !!chat && (chat.type === "group" || chat.type === "supergroup")
    && isAdmin(chat, state.userId);
  ui.anonymousToggle.hidden = !anonymous;
  if (!anonymous) ui.anonymous.checked = false;
  ui.commandsButton.hidden = commandList().length === 0;
  document.title = chat ? `${chatTitle(chat)} — digestbot sandbox` : "digestbot sandbox";
}

function subtitle(chat) {
  if (chat.type === "private") {
    const status = botStatusLabel(chat);
    const handle = state.bot && state.bot.username ? ` (@${state.bot.username})` : "";
    return [`with ${botName()}${handle}`, status].filter(Boolean).join(" · ");
  }
  const people = new Set([...(chat.member_ids || []), ...(chat.admin_ids || [])]).size;
  const parts = [chatKind(chat)];
  if (people) parts.push(chat.type === "channel" ? `${people} admin${people === 1 ? "" : "s"}` : `${people} member${people === 1 ? "" : "s"}`);
  parts.push(chat.migrated_to ? "upgraded to a supergroup" : botStatusLabel(chat));
  if (!isMember(chat, state.userId)) parts.push("you are not a member");
  return parts.filter(Boolean).join(" · ");
}

function renderActions(chat) {
  const actions = [];
  if (chat && chat.type === "private") {
    const blocked = chat.bot_status === "kicked";
    actions.push(el("button", {
      type: "button", class: "ghost small", "data-testid": "block-toggle",
      text: blocked ? "Unblock bot" : "Block bot",
      onclick: () => act(() => api("/block", { user_id: chat.id, blocked: !blocked })),
    }));
  } else if (chat) {
    const select = el("select", { "data-testid": "bot-status", "aria-label": "The bot's status in this chat" },
      ...["member", "administrator", "left", "kicked"].map((status) => el("option", {
        value: status, text: `bot: ${status}`, selected: chat.bot_status === status,
      })));
    select.addEventListener("change", () => act(() => api("/bot_status", {
      chat_id: chat.id, status: select.value, by_user_id: state.userId,
    })));
    actions.push(select);
    if (chat.migrated_to && state.chats.has(chat.migrated_to)) {
      actions.push(el("button", {
        type: "button", class: "ghost small", "data-testid": "open-migrated", text: "Open the supergroup",
        onclick: () => openChat(chat.migrated_to),
      }));
    } else if (chat.type === "group") {
      actions.push(el("button", {
        type: "button", class: "ghost small", "data-testid": "migrate", text: "Upgrade to supergroup",
        onclick: () => act(async () => {
          const upgraded = await api("/migrate", { chat_id: chat.id });
          if (upgraded && typeof upgraded.id === "number") {
            upsertChat(upgraded);
            await openChat(upgraded.id);
          }
        }),
      }));
    }
  }
  ui.actions.replaceChildren(...actions);
}

function renderTopics(chat) {
  const forum = !!chat && !!chat.is_forum;
  ui.topicBar.hidden = !forum;
  if (!forum) return;
  const chosen = state.threads[chat.id] ?? null;
  const options = [el("option", { value: "", text: "General" })];
  for (const topic of chat.topics || []) {
    options.push(el("option", { value: String(topic.id), text: String(topic.name ?? topic.id) }));
  }
  ui.topic.replaceChildren(...options);
  ui.topic.value = chosen === null ? "" : String(chosen);
}

async function act(action) {
  try {
    await action();
  } catch (error) {
    toast(error.message, "error");
  }
}

// ---- commands menu (from state.commands when the emulator exposes it) ---------------------

function commandList() {
  const raw = state.commandsRaw;
  const user = state.users.get(state.userId);
  const lang = ((user && user.language_code) || "").slice(0, 2).toLowerCase();
  const candidates = [];
  const collect = (key, value) => {
    if (Array.isArray(value) && value.every((c) => c && typeof c.command === "string")) {
      candidates.push({ key: String(key), list: value });
    } else if (value && typeof value === "object" && Array.isArray(value.commands)) {
      candidates.push({
        key: `${JSON.stringify(value.scope ?? "default")} ${value.language_code ?? ""}`,
        list: value.commands,
      });
    }
  };
  if (Array.isArray(raw)) {
    if (raw.every((c) => c && typeof c.command === "string")) collect("", raw);
    else raw.forEach((value, i) => (Array.isArray(value) && value.length === 2 ? collect(value[0], value[1]) : collect(i, value)));
  } else if (raw && typeof raw === "object") {
    for (const [key, value] of Object.entries(raw)) collect(key, value);
  }
  const score = ({ key }) => (lang && new RegExp(`\\b${lang}\\b`).test(key) ? 2 : 0)
    + (/default/.test(key) || key === "" ? 1 : 0);
  candidates.sort((a, b) => score(b) - score(a));
  return candidates.length ? candidates[0].list.filter((c) => typeof c.command === "string") : [];
}

function showCommandMenu(filter = "") {
  const wanted = filter.replace(/^\//, "").toLowerCase();
  const commands = commandList().filter((c) => c.command.toLowerCase().startsWith(wanted));
  if (!commands.length) {
    hideCommandMenu();
    return;
  }
  ui.commandMenu.replaceChildren(...commands.map((c) => el("button", {
    type: "button", role: "option", class: "command-option", "data-testid": "command-option",
    onclick: () => {
      hideCommandMenu();
      sendText(`/${c.command}`);
    },
  }, el("span", { class: "command-name", text: `/${c.command}` }),
  el("span", { class: "command-description", text: String(c.description ?? "") }))));
  ui.commandMenu.hidden = false;
  ui.commandsButton.setAttribute("aria-expanded", "true");
}

function hideCommandMenu() {
  ui.commandMenu.hidden = true;
  ui.commandsButton.setAttribute("aria-expanded", "false");
}

// ---- actions ------------------------------------------------------------------------------

async function sendText(text) {
  const chat = state.chats.get(state.chatId);
  if (!chat || state.userId === null || !text.trim()) return false;
  const body = { chat_id: chat.id, user_id: state.userId, text };
  const thread = chat.is_forum ? state.threads[chat.id] ?? null : null;
  if (thread !== null) body.message_thread_id = thread;
  if (!ui.anonymousToggle.hidden && ui.anonymous.checked) body.anonymous = true;
  try {
    const message = await api("/send", body);
    if (message && message.message_id && state.chatId === chat.id) {
      upsertMessage(message);
      renderMessages({ toBottom: true });
    }
    return true;
  } catch (error) {
    toast(`Not sent — ${error.message}`, "error");
    return false;
  }
}

async function press(m, data, button) {
  button.classList.add("pending");
  button.setAttribute("aria-busy", "true");
  const done = () => {
    button.classList.remove("pending");
    button.removeAttribute("aria-busy");
  };
  try {
    const result = await api("/press", {
      chat_id: (m.chat && m.chat.id) ?? state.chatId, message_id: m.message_id, user_id: state.userId, data,
    });
    const id = result && result.callback_query_id;
    if (id === undefined || id === null) {
      done();
      return;
    }
    const early = state.earlyAnswers.get(String(id));
    if (early) {
      state.earlyAnswers.delete(String(id));
      done();
      showAnswer(early);
      return;
    }
    state.pendingPresses.set(String(id), done);
    // Telegram shows the button's clock for a while when the bot never answers
    setTimeout(() => {
      if (state.pendingPresses.get(String(id)) === done) {
        state.pendingPresses.delete(String(id));
        done();
      }
    }, 15000);
  } catch (error) {
    done();
    toast(error.message, "error");
  }
}

function showAnswer(event) {
  const text = typeof event.text === "string" ? event.text : "";
  if (!text) return;
  if (event.show_alert) showAlert(text);
  else toast(text);
}

let toastTimer = null;

function toast(text, kind = "info") {
  ui.toast.textContent = text;
  ui.toast.dataset.kind = kind;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    ui.toast.hidden = true;
  }, kind === "error" ? 6000 : 3500);
}

function showAlert(text) {
  ui.alertText.textContent = text;
  if (!ui.alert.open) ui.alert.showModal();
}

function showTyping(action) {
  const label = TYPING_LABELS[action] || "typing";
  clearTimeout(typingTimer);
  ui.subtitle.textContent = `${botName()} is ${label}…`;
  ui.subtitle.classList.add("typing");
  typingTimer = setTimeout(stopTyping, 5000); // Telegram shows an action for 5 seconds
}

function stopTyping() {
  clearTimeout(typingTimer);
  typingTimer = null;
  renderHeader();
}

// ---- world state ------------------------------------------------------------------------

function upsertChat(chat) {
  if (!chat || typeof chat.id !== "number") return;
  state.chats.set(chat.id, chat);
}

async function loadState() {
  const world = await api("/state");
  state.bot = world.bot || state.bot;
  state.users = new Map((world.users || []).map((u) => [u.id, u]));
  state.chats = new Map((world.chats || []).map((c) => [c.id, c]));
  state.commandsRaw = world.commands ?? null;
  renderUsers();
  renderChatList();
  renderHeader();
}

let stateRefresh = null;

function refreshStateSoon() {
  clearTimeout(stateRefresh);
  stateRefresh = setTimeout(() => act(loadState), 150);
}

async function ensurePrivateChat(userId) {
  if (state.chats.has(userId)) return state.chats.get(userId);
  const chat = await api("/chats", { type: "private", user_id: userId });
  upsertChat(chat);
  return chat;
}

function setUser(userId) {
  state.userId = userId;
  savePrefs();
  renderUsers();
  renderChatList();
  renderHeader();
}

async function openChat(chatId) {
  const chat = state.chats.get(chatId);
  if (!chat) return;
  if (chat.type === "private" && state.users.has(chat.id) && chat.id !== state.userId) {
    state.userId = chat.id; // a private chat is that user's conversation with the bot
    renderUsers();
  }
  const seq = ++state.openSeq;
  state.chatId = chatId;
  state.messages = new Map();
  state.nodes = new Map();
  state.deleted = new Set();
  state.unread.delete(chatId);
  ui.anonymous.checked = false;
  if (typingTimer) {
    clearTimeout(typingTimer);
    typingTimer = null;
  }
  savePrefs();
  hideCommandMenu();
  inline.hide();
  renderChatList();
  renderHeader();
  renderMessages({ toBottom: true });
  ui.messages.setAttribute("aria-busy", "true");
  try {
    await loadMessages(seq);
  } finally {
    if (seq === state.openSeq) ui.messages.removeAttribute("aria-busy");
  }
  if (seq === state.openSeq && !ui.composer.disabled) ui.composer.focus();
}

async function loadMessages(seq = state.openSeq) {
  const chatId = state.chatId;
  if (chatId === null) return;
  let list;
  try {
    list = await api(`/messages?chat_id=${encodeURIComponent(chatId)}`);
  } catch (error) {
    toast(`Could not load the messages — ${error.message}`, "error");
    return;
  }
  if (seq !== state.openSeq || !Array.isArray(list)) return;
  const fetched = new Map();
  for (const m of list) if (m && typeof m.message_id === "number") fetched.set(m.message_id, m);
  const newest = Math.max(0, ...fetched.keys());
  // keep what the live stream brought while the list was on its way
  for (const [id, m] of state.messages) {
    const known = fetched.get(id);
    if ((!known && id > newest) || (known && (m.edit_date || 0) > (known.edit_date || 0))) fetched.set(id, m);
  }
  for (const id of state.deleted) fetched.delete(id);
  state.messages = fetched;
  renderMessages({ toBottom: true });
}

async function chooseStart() {
  if (state.users.size === 0) {
    const language = (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
    const user = await api("/users", { first_name: "You", language_code: language });
    state.users.set(user.id, user);
    const chat = await ensurePrivateChat(user.id);
    setUser(user.id);
    await openChat(chat.id);
    return;
  }
  const prefs = loadPrefs();
  if (prefs.threads && typeof prefs.threads === "object") state.threads = prefs.threads;
  const userId = state.users.has(prefs.userId) ? prefs.userId : state.users.keys().next().value;
  setUser(userId);
  if (state.chats.has(prefs.chatId)) {
    await openChat(prefs.chatId);
  } else {
    const chat = await ensurePrivateChat(userId);
    await openChat(chat.id);
  }
}

async function resync() {
  await loadState();
  if (state.chatId === null || !state.chats.has(state.chatId)) {
    await chooseStart();
  } else {
    await loadMessages();
  }
}

// ---- live updates -------------------------------------------------------------------------

function handleEvent(event) {
  if (!event || typeof event !== "object") return;
  switch (event.type) {
    case "message":
    case "edit": {
      const m = event.message;
      if (!m) return;
      const chatId = event.chat_id ?? (m.chat && m.chat.id);
      if (chatId === state.chatId) {
        state.deleted.delete(m.message_id);
        upsertMessage(m);
        if (m.outgoing && typingTimer) stopTyping();
        renderMessages();
      } else if (event.type === "message") {
        if (!isMine(m)) state.unread.set(chatId, (state.unread.get(chatId) || 0) + 1);
        if (!state.chats.has(chatId)) refreshStateSoon();
      }
      if (event.type === "message") {
        const text = m.text || m.caption || (m.photo ? "🖼 Photo" : hasContent(m) ? "" : serviceText(m));
        if (text) state.preview.set(chatId, text.split("\n")[0].slice(0, 80));
        renderChatList();
      }
      break;
    }
    case "delete":
      if (event.chat_id === state.chatId) {
        state.messages.delete(event.message_id);
        state.nodes.delete(event.message_id);
        state.deleted.add(event.message_id);
        renderMessages();
      }
      break;
    case "chat":
      upsertChat(event.chat);
      renderChatList();
      if (event.chat && event.chat.id === state.chatId) renderHeader();
      refreshStateSoon(); // users (and commands) have no event of their own
      break;
    case "callback_answer": {
      const id = String(event.callback_query_id);
      const done = state.pendingPresses.get(id);
      if (done) {
        state.pendingPresses.delete(id);
        done();
        showAnswer(event);
      } else {
        state.earlyAnswers.set(id, event);
        setTimeout(() => state.earlyAnswers.delete(id), 30000);
      }
      break;
    }
    case "action":
      if (event.chat_id === state.chatId && event.action) showTyping(event.action);
      break;
    case "inline_answer":
      inline.onEvent(event);
      break;
    case "reset":
      inline.hide();
      state.chatId = null;
      state.userId = null;
      state.messages = new Map();
      state.nodes = new Map();
      state.unread.clear();
      state.preview.clear();
      act(resync);
      break;
    case "commands":
      refreshStateSoon();
      break;
    default:
      break;
  }
}

let events = null;
let retryDelay = 1000;

function setConnection(kind, text) {
  ui.connection.dataset.state = kind;
  ui.connection.textContent = text;
}

function connectEvents() {
  events = new EventSource(`${API}/events`);
  events.addEventListener("open", () => {
    setConnection("live", "Live");
    retryDelay = 1000;
    if (state.booted) act(resync); // whatever happened while we were away
  });
  events.addEventListener("message", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    handleEvent(event);
  });
  events.addEventListener("error", () => {
    setConnection("down", "Reconnecting…");
    if (events.readyState === EventSource.CLOSED) {
      // the browser gave up (e.g. an error status): try again ourselves, with backoff
      events.close();
      setTimeout(connectEvents, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    }
  });
}

// ---- dialogs --------------------------------------------------------------------------------

function openDialog(id) {
  const dialog = document.getElementById(id);
  const form = $("form", dialog);
  form.reset();
  const error = $(".dialog-error", form);
  if (error) error.remove();
  if (id === "dialog-group") {
    const others = [...state.users.values()].filter((u) => u.id !== state.userId);
    $(".member-choices", form).replaceChildren(...(others.length
      ? others.map((u) => el("label", {}, el("input", { type: "checkbox", name: "member", value: String(u.id) }), ` ${userName(u)}`))
      : [el("p", { class: "hint", text: "No other users yet — add some with “+ User”." })]));
  }
  if (id !== "dialog-user" && state.userId === null) {
    toast("Create a user first", "error");
    return;
  }
  dialog.showModal();
  const first = $("input:not([type=hidden]):not([type=radio]):not([type=checkbox])", form);
  if (first) first.focus();
}

async function submitDialog(form) {
  const data = new FormData(form);
  const text = (name) => String(data.get(name) || "").trim();
  const kind = form.dataset.kind;
  let chat;
  if (kind === "user") {
    const body = { first_name: text("first_name"), language_code: text("language_code") || "en" };
    if (text("username")) body.username = text("username");
    const user = await api("/users", body);
    state.users.set(user.id, user);
    chat = await ensurePrivateChat(user.id);
    setUser(user.id);
  } else if (kind === "group") {
    const forum = data.get("forum") === "on";
    const others = data.getAll("member").map(Number).filter((id) => id !== state.userId);
    chat = await api("/chats", {
      type: forum ? "supergroup" : text("type") || "group",
      title: text("title"),
      member_ids: [state.userId, ...others],
      admin_ids: [state.userId],
      forum,
      bot_admin: text("bot") === "admin",
    });
  } else if (kind === "channel") {
    const body = {
      type: "channel", title: text("title"), admin_ids: [state.userId],
      bot_admin: data.get("bot_admin") === "on",
    };
    if (text("username")) body.username = text("username");
    chat = await api("/chats", body);
  }
  if (chat) {
    upsertChat(chat);
    renderChatList();
    await openChat(chat.id);
  }
}

function wireDialogs() {
  for (const button of document.querySelectorAll("[data-dialog]")) {
    button.addEventListener("click", () => openDialog(button.dataset.dialog));
  }
  for (const dialog of document.querySelectorAll("dialog")) {
    const form = $("form", dialog);
    for (const cancel of dialog.querySelectorAll("button[value=cancel]")) {
      cancel.addEventListener("click", () => dialog.close());
    }
    if (!form.dataset.kind) continue;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const ok = form.querySelector("[type=submit]");
      ok.disabled = true;
      try {
        await submitDialog(form);
        dialog.close();
      } catch (error) {
        let note = $(".dialog-error", form);
        if (!note) {
          note = el("p", { class: "dialog-error", role: "alert" });
          form.insertBefore(note, $("menu", form));
        }
        note.textContent = error.message;
      } finally {
        ok.disabled = false;
      }
    });
  }
  const forum = $("#dialog-group input[name=forum]");
  forum.addEventListener("change", () => {
    if (forum.checked) $("#dialog-group input[name=type][value=supergroup]").checked = true;
  });
}

// ---- wiring -------------------------------------------------------------------------------

function autosize() {
  ui.composer.style.height = "auto";
  ui.composer.style.height = `${Math.min(ui.composer.scrollHeight, 180)}px`;
}

function wire() {
  Object.assign(ui, {
    whoami: $("#whoami"),
    chatList: $("[data-testid=chat-list]"),
    connection: $("[data-testid=connection]"),
    title: $("[data-testid=chat-title]"),
    subtitle: $("[data-testid=chat-subtitle]"),
    actions: el("div", { class: "chat-actions", "data-testid": "chat-actions" }),
    topicBar: $("[data-testid=topic-bar]"),
    topic: $("[data-testid=topic-select]"),
    newTopic: $("[data-testid=new-topic]"),
    messages: $("[data-testid=messages]"),
    form: $("[data-testid=composer-form]"),
    composer: $("[data-testid=composer]"),
    send: $("[data-testid=send]"),
    anonymousToggle: $("[data-testid=anonymous-toggle]"),
    anonymous: $("[data-testid=anonymous]"),
    commandsButton: $("[data-testid=commands-button]"),
    commandMenu: $("[data-testid=command-menu]"),
    inlineResults: $("[data-testid=inline-results]"),
    toast: $("[data-testid=toast]"),
    alert: $("[data-testid=alert]"),
    alertText: $("[data-testid=alert-text]"),
  });
  $(".chat-header").append(ui.actions);
  inline = createInline({
    api,
    ui: { panel: ui.inlineResults, composer: ui.composer },
    current: () => {
      const chat = state.chats.get(state.chatId);
      const threadId = chat && chat.is_forum ? state.threads[chat.id] ?? null : null;
      return { bot: state.bot, userId: state.userId, chatId: state.chatId, threadId };
    },
    posted: (message, chatId) => {
      if (message && message.message_id && state.chatId === chatId) {
        upsertMessage(message);
        renderMessages({ toBottom: true });
      }
    },
    cleared: () => {
      ui.composer.value = "";
      autosize();
      ui.composer.focus();
    },
    startBot: (parameter) => act(async () => {
      const chat = await ensurePrivateChat(state.userId);
      await openChat(chat.id);
      await sendText(`/start ${parameter}`);
    }),
    toast,
  });

  ui.whoami.addEventListener("change", () => act(async () => {
    const userId = Number(ui.whoami.value);
    const chat = state.chats.get(state.chatId);
    inline.hide();
    setUser(userId);
    if (!chat || chat.type === "private") {
      const own = await ensurePrivateChat(userId);
      await openChat(own.id);
    } else {
      renderMessages();
    }
  }));

  ui.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = ui.composer.value;
    if (!text.trim()) return;
    hideCommandMenu();
    inline.hide();
    ui.composer.value = "";
    autosize();
    if (!(await sendText(text)) && !ui.composer.value) {
      ui.composer.value = text; // keep what the user typed when it was not sent
      autosize();
    }
  });

  ui.composer.addEventListener("keydown", (event) => {
    if (inline.onComposerKey(event)) {
      event.preventDefault();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    } else if (event.key === "Escape") {
      hideCommandMenu();
    }
  });
  ui.composer.addEventListener("input", () => {
    autosize();
    const value = ui.composer.value;
    if (/^\/\w*$/.test(value)) showCommandMenu(value);
    else hideCommandMenu();
    inline.onInput(value);
  });

  ui.commandsButton.addEventListener("click", () => {
    if (ui.commandMenu.hidden) showCommandMenu();
    else hideCommandMenu();
  });

  ui.messages.addEventListener("scroll", () => {
    const box = ui.messages;
    stickToBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }, { passive: true });

  ui.topic.addEventListener("change", () => {
    const chat = state.chats.get(state.chatId);
    if (!chat) return;
    state.threads[chat.id] = ui.topic.value === "" ? null : Number(ui.topic.value);
    savePrefs();
    renderMessages({ toBottom: true });
  });

  ui.newTopic.addEventListener("click", () => act(async () => {
    const chat = state.chats.get(state.chatId);
    const name = chat && window.prompt("Name of the new topic");
    if (!name || !name.trim()) return;
    const topic = await api("/topics", { chat_id: chat.id, name: name.trim() });
    chat.topics = [...(chat.topics || []).filter((t) => t.id !== topic.id), topic];
    state.threads[chat.id] = topic.id;
    savePrefs();
    renderHeader();
    renderMessages({ toBottom: true });
  }));

  // message interactions, delegated: spoilers, expandable quotes, bot commands
  ui.messages.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const spoiler = target.closest(".spoiler:not(.revealed)");
    if (spoiler) {
      event.preventDefault(); // a hidden link is not followed by the click that reveals it
      revealSpoiler(spoiler);
      return;
    }
    const command = target.closest(".command[data-command]");
    if (command) {
      sendText(command.dataset.command);
      return;
    }
    const quote = target.closest("blockquote.expandable");
    if (quote && !target.closest("a")) toggleQuote(quote);
  });
  ui.messages.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.matches(".spoiler:not(.revealed)")) {
      event.preventDefault();
      revealSpoiler(target);
    } else if (target.matches(".command[data-command]")) {
      event.preventDefault();
      sendText(target.dataset.command);
    } else if (target.matches("blockquote.expandable")) {
      event.preventDefault();
      toggleQuote(target);
    }
  });

  document.addEventListener("click", (event) => {
    if (ui.commandMenu.hidden) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && !target.closest("[data-testid=command-menu], [data-testid=commands-button]")) hideCommandMenu();
  });

  wireDialogs();
}

function revealSpoiler(spoiler) {
  const message = spoiler.closest("[data-message-id]");
  const group = spoiler.dataset.spoiler;
  const parts = message && group !== undefined
    ? message.querySelectorAll(`.spoiler[data-spoiler="${CSS.escape(group)}"]`)
    : [spoiler];
  for (const part of parts) {
    part.classList.add("revealed");
    part.removeAttribute("role");
    part.removeAttribute("tabindex");
    part.removeAttribute("aria-label");
  }
}

function toggleQuote(quote) {
  const collapsed = quote.classList.toggle("collapsed");
  quote.setAttribute("aria-expanded", collapsed ? "false" : "true");
}

async function boot() {
  wire();
  connectEvents();
  try {
    await loadState();
    await chooseStart();
  } catch (error) {
    toast(`The sandbox is not answering — ${error.message}`, "error");
  }
  state.booted = true;
  document.body.dataset.ready = "true";
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
