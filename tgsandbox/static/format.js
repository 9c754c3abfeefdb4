/* digestbot sandbox — a message's text and entities as DOM, and which links may open.
 *
 * Safety rule: the text the bot sent only ever becomes text nodes. The formatting is rebuilt
 * from `entities` (Bot API MessageEntity, UTF-16 offsets, which is what JS string indices
 * count); a link becomes an anchor only for an http(s) or tg URL, opened in a new tab without
 * opener or referrer. Nothing here parses a string as HTML.
 */

import { el } from "./dom.js";

const SAFE_PROTOCOLS = new Set(["http:", "https:", "tg:"]);
const BLOCK_ENTITIES = new Set(["pre", "blockquote", "expandable_blockquote"]);
// the order tdlib nests entities that start and end together (outer first)
const ENTITY_RANK = {
  blockquote: 0, expandable_blockquote: 0, pre: 1, code: 2, text_link: 3, url: 3,
  text_mention: 3, mention: 3, bot_command: 3, hashtag: 3, cashtag: 3, email: 3,
  phone_number: 3, bold: 4, italic: 5, underline: 6, strikethrough: 7, spoiler: 8,
  custom_emoji: 9,
};

// ---- safe links -------------------------------------------------------------------------

/** The URL as the browser would open it, or null unless it is http(s) or tg. */
export function safeUrl(raw, { bare = false } = {}) {
  if (typeof raw !== "string") return null;
  let candidate = raw.trim();
  if (bare && !/^[a-z][a-z0-9+.-]*:/i.test(candidate)) candidate = `http://${candidate}`;
  let url;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
}

function externalLink(href, ...children) {
  return el("a", { href, target: "_blank", rel: "noopener noreferrer" }, ...children);
}

// ---- formatted text: text + entities -> DOM ---------------------------------------------

function entityElement(item, text, message) {
  const entity = item.entity;
  const slice = text.slice(item.start, item.end);
  switch (entity.type) {
    case "bold":
      return { node: el("strong") };
    case "italic":
      return { node: el("em") };
    case "underline":
      return { node: el("u") };
    case "strikethrough":
      return { node: el("s") };
    case "spoiler": {
      const node = el("span", {
        class: "spoiler", role: "button", tabindex: "0", "data-testid": "spoiler",
        "data-spoiler": String(item.index), "aria-label": "Spoiler, press to reveal",
      });
      const content = el("span", { class: "spoiler-content" });
      node.append(content);
      return { node, content };
    }
    case "code":
      return { node: el("code", { class: "inline-code" }) };
    case "pre": {
      const code = el("code");
      const language = typeof entity.language === "string" ? entity.language : "";
      const pre = el("pre", { "data-language": language || null }, code);
      return { node: pre, content: code };
    }
    case "blockquote":
      return { node: el("blockquote") };
    case "expandable_blockquote": {
      const node = el("blockquote", {
        class: "expandable collapsed", tabindex: "0", "aria-expanded": "false",
        "data-testid": "expandable-blockquote",
      });
      return { node };
    }
    case "text_link":
    case "url": {
      const href = safeUrl(entity.type === "url" ? slice : entity.url, {
        bare: entity.type === "url",
      });
      if (href) return { node: externalLink(href) };
      return {
        node: el("span", { class: "refused-link", title: "Link not opened: only http(s) and tg links are" }),
      };
    }
    case "text_mention":
    case "mention":
      return {
        node: el("span", {
          class: "mention",
          title: entity.user ? `User ${entity.user.id}` : null,
        }),
      };
    case "hashtag":
    case "cashtag":
      return { node: el("span", { class: "hashtag" }) };
    case "bot_command": {
      if (message && message.outgoing) {
        const command = slice;
        const node = el("span", {
          class: "command", role: "button", tabindex: "0", title: `Send ${command}`,
          "data-command": command,
        });
        return { node };
      }
      return { node: el("span", { class: "command" }) };
    }
    case "email":
    case "phone_number":
      return { node: el("span", { class: "contact" }) };
    case "custom_emoji":
      return {
        node: el("span", {
          class: "custom-emoji",
          title: entity.custom_emoji_id ? `Custom emoji ${entity.custom_emoji_id}` : null,
        }),
      };
    default:
      return { node: el("span", { "data-entity": String(entity.type || "unknown") }) };
  }
}

/**
 * The bot_command entities Telegram adds to a bot's text by itself ("send /today …"),
 * outside code, pre and links; the emulator leaves them to the client.
 */
export function withCommands(text, entities) {
  const given = Array.isArray(entities) ? entities : [];
  if (given.some((e) => e && e.type === "bot_command")) return given;
  const opaque = given.filter((e) => e && ["code", "pre", "text_link", "url", "email"].includes(e.type));
  const found = [];
  for (const match of text.matchAll(/(^|[^A-Za-z0-9_/:.@])(\/[A-Za-z0-9_]{1,32})(?![A-Za-z0-9_/])/g)) {
    const offset = match.index + match[1].length;
    const end = offset + match[2].length;
    if (!opaque.some((e) => offset < e.offset + e.length && end > e.offset)) {
      found.push({ type: "bot_command", offset, length: match[2].length });
    }
  }
  return found.length ? [...given, ...found] : given;
}

/**
 * Build `text` with its `entities` as DOM. Offsets are UTF-16 code units, as JS indices are.
 * The text is cut at every entity boundary; each run is placed inside the elements of the
 * entities covering it, re-using the open elements of the previous run (so properly nested
 * entities give one element each; overlapping ones are split, as a browser would).
 */
export function renderFormatted(text, entities, message) {
  const fragment = document.createDocumentFragment();
  const source = typeof text === "string" ? text : String(text ?? "");
  const length = source.length;
  const toInt = (v) => (Number.isFinite(Number(v)) ? Math.trunc(Number(v)) : 0);
  const items = (Array.isArray(entities) ? entities : [])
    .filter((e) => e && typeof e === "object" && typeof e.type === "string")
    .map((entity, index) => {
      const start = Math.min(Math.max(toInt(entity.offset), 0), length);
      const end = Math.min(Math.max(start + toInt(entity.length), start), length);
      return { entity, index, start, end };
    })
    .filter((item) => item.end > item.start)
    .sort((a, b) => a.start - b.start || b.end - a.end
      || (ENTITY_RANK[a.entity.type] ?? 10) - (ENTITY_RANK[b.entity.type] ?? 10)
      || a.index - b.index);

  const cuts = new Set([0, length]);
  for (const item of items) {
    cuts.add(item.start);
    cuts.add(item.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const stack = [{ item: null, content: fragment }];
  const isBlock = (item) => BLOCK_ENTITIES.has(item.entity.type);

  for (let k = 0; k + 1 < points.length; k += 1) {
    let from = points[k];
    let to = points[k + 1];
    const covering = items.filter((item) => item.start <= from && item.end >= to);
    let keep = 0;
    while (keep < covering.length && keep + 1 < stack.length
      && stack[keep + 1].item === covering[keep]) keep += 1;
    stack.length = keep + 1;
    for (const item of covering.slice(keep)) {
      const { node, content } = entityElement(item, source, message);
      stack[stack.length - 1].content.append(node);
      stack.push({ item, content: content || node });
    }
    // a block (quote, pre) already breaks the line: drop the newline that touches it
    if (source[from] === "\n" && items.some((i) => isBlock(i) && i.end === from)) from += 1;
    if (to > from && source[to - 1] === "\n" && items.some((i) => isBlock(i) && i.start === to)) {
      to -= 1;
    }
    if (to > from) stack[stack.length - 1].content.append(document.createTextNode(source.slice(from, to)));
  }
  return fragment;
}
