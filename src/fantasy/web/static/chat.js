// fantasy's built-in chat page. Enhances the form in index.html: sends the conversation
// as AI SDK UI messages (the body useChat posts) and renders the UI message stream.
"use strict";

(function () {
  const form = document.getElementById("chat");
  const prompt = document.getElementById("prompt");
  const sendButton = document.getElementById("send");
  const stopButton = document.getElementById("stop");
  const clearButton = document.getElementById("clear");
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const endpoint = form.dataset.endpoint;

  const chatId = randomId("chat");
  let messages = []; // UI messages: {id, role, parts, metadata}
  let controller = null; // the running request's AbortController
  let views = new Map(); // message id -> its view: {node, slots (one per part), notes, usage}
  let pending = null; // a scheduled render

  // --- markdown: escape first, then a small safe subset -----------------------------

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function inline(escaped) {
    const codes = [];
    let out = escaped.replace(/`([^`\n]+)`/g, (_, code) => {
      codes.push(code);
      return "\u0000" + (codes.length - 1) + "\u0000";
    });
    out = out
      .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>')
      .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
      .replace(/(^|[^*\w])\*([^*\n]+)\*(?!\w)/g, "$1<em>$2</em>")
      .replace(/(^|[^_\w])_([^_\n]+)_(?!\w)/g, "$1<em>$2</em>");
    return out.replace(/\u0000(\d+)\u0000/g, (_, i) => "<code>" + codes[Number(i)] + "</code>");
  }

  // The top-level blocks of ``source`` as HTML strings (paragraphs, lists, code, ...): a
  // streaming answer re-renders only the blocks that changed, usually the last one.
  function markdownBlocks(source) {
    const lines = escapeHtml(source).split("\n");
    const blocks = [];
    let paragraph = [];
    let list = null; // {kind: "ul" | "ol", items: [...]}
    const flush = () => {
      if (paragraph.length) blocks.push("<p>" + paragraph.map(inline).join("<br>") + "</p>");
      paragraph = [];
    };
    const closeList = () => {
      if (list) blocks.push("<" + list.kind + ">" + list.items.join("") + "</" + list.kind + ">");
      list = null;
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const fence = line.match(/^\s*```/);
      if (fence) {
        flush();
        closeList();
        const code = [];
        i++;
        while (i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i++]);
        blocks.push("<pre><code>" + code.join("\n") + "</code></pre>");
        continue;
      }
      const heading = line.match(/^(#{1,6})\s+(.*)$/);
      const bullet = line.match(/^\s*[-*+]\s+(.*)$/);
      const numbered = line.match(/^\s*\d+[.)]\s+(.*)$/);
      const quote = line.match(/^&gt;\s?(.*)$/);
      if (heading) {
        flush();
        closeList();
        const level = Math.min(heading[1].length + 1, 4);
        blocks.push("<h" + level + ">" + inline(heading[2]) + "</h" + level + ">");
      } else if (bullet || numbered) {
        flush();
        const kind = bullet ? "ul" : "ol";
        if (!list || list.kind !== kind) {
          closeList();
          list = { kind, items: [] };
        }
        list.items.push("<li>" + inline((bullet || numbered)[1]) + "</li>");
      } else if (quote) {
        flush();
        closeList();
        blocks.push("<blockquote>" + inline(quote[1]) + "</blockquote>");
      } else if (!line.trim()) {
        flush();
        closeList();
      } else {
        closeList();
        paragraph.push(line);
      }
    }
    flush();
    closeList();
    return blocks;
  }

  function blockNode(block) {
    // ``block`` is one item of markdownBlocks: built from escaped text only.
    const holder = document.createElement("template");
    holder.innerHTML = block;
    return holder.content.firstChild;
  }

  // --- rendering ----------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pretty(value) {
    if (value === undefined) return "";
    if (typeof value === "string") return value;
    const line = JSON.stringify(value);
    return line.length <= 80 ? line : JSON.stringify(value, null, 2);
  }

  function toolName(part) {
    return part.type === "dynamic-tool" ? part.toolName : part.type.slice("tool-".length);
  }

  const STATE_LABELS = {
    "input-streaming": "preparing…",
    "input-available": "running…",
    "approval-requested": "needs your approval",
    "approval-responded": "answered",
    "output-available": "done",
    "output-error": "failed",
    "output-denied": "denied",
  };

  function renderTool(part, message) {
    const box = el("div", "tool");
    box.dataset.toolCallId = part.toolCallId;
    box.dataset.state = part.state;
    const head = el("div", "head");
    let label = STATE_LABELS[part.state] || part.state;
    if (part.state === "input-available" && controller === null) label = "waiting for a result";
    head.append(el("span", "name", toolName(part)), el("span", "state", label));
    box.append(head);
    const args = part.input !== undefined ? pretty(part.input) : part.rawInput || "";
    if (args) box.append(el("div", "label", "arguments"), el("pre", "args", args));
    if (part.state === "output-available") box.append(el("div", "label", "result"), el("pre", "result", pretty(part.output)));
    if (part.state === "output-error") box.append(el("div", "label", "error"), el("pre", "result error", part.errorText));
    if (part.state === "approval-requested") {
      const actions = el("div", "actions");
      const approve = el("button", "approve", "Approve");
      const deny = el("button", "deny", "Deny");
      approve.type = deny.type = "button";
      approve.disabled = deny.disabled = controller !== null;
      approve.addEventListener("click", () => answerApproval(message, part, true));
      deny.addEventListener("click", () => answerApproval(message, part, false));
      actions.append(approve, deny);
      box.append(actions);
    }
    return box;
  }

  function usageLine(usage) {
    const parts = ["in " + usage.inputTokens, "out " + usage.outputTokens, "total " + usage.totalTokens];
    if (usage.reasoningTokens) parts.push("reasoning " + usage.reasoningTokens);
    if (usage.cachedInputTokens) parts.push("cached " + usage.cachedInputTokens);
    return "tokens: " + parts.join(" · ");
  }

  // A message's view is updated in place: each part keeps its element while the part is
  // unchanged (a tool card and its buttons stay the same nodes), a streaming text only
  // replaces the blocks that changed and reasoning grows by appending, so the reader's
  // selection and a click on a button survive the stream.

  function renderText(slot, part) {
    if (!slot.node) slot.node = el("div", "text");
    const blocks = markdownBlocks(part.text);
    const old = slot.blocks || [];
    const children = slot.node.children;
    for (let i = 0; i < blocks.length; i++) {
      if (old[i] === blocks[i] && children[i]) continue;
      const node = blockNode(blocks[i]);
      if (children[i]) children[i].replaceWith(node);
      else slot.node.append(node);
    }
    while (children.length > blocks.length) children[children.length - 1].remove();
    slot.blocks = blocks;
  }

  function renderReasoning(slot, part) {
    if (!slot.node) {
      slot.summary = el("summary", "", "");
      slot.body = el("div", "body", "");
      slot.body.append(document.createTextNode(""));
      slot.node = el("details", "reasoning");
      slot.node.append(slot.summary, slot.body);
      slot.text = "";
    }
    const summary = part.state === "streaming" ? "Thinking…" : "Reasoning";
    if (slot.summary.textContent !== summary) slot.summary.textContent = summary;
    if (part.text !== slot.text) {
      const body = slot.body.firstChild;
      if (part.text.startsWith(slot.text)) body.appendData(part.text.slice(slot.text.length));
      else body.data = part.text;
      slot.text = part.text;
    }
  }

  function toolKey(part) {
    // Everything renderTool reads: the card is rebuilt only when one of them changed.
    const waiting = part.state === "input-available" && controller === null;
    return JSON.stringify([part.state, part.input, part.rawInput, part.output, part.errorText, waiting]);
  }

  function renderPart(slot, part, message) {
    if (part.type === "text") {
      renderText(slot, part);
    } else if (part.type === "reasoning") {
      renderReasoning(slot, part);
    } else if (part.type.startsWith("tool-") || part.type === "dynamic-tool") {
      const key = toolKey(part);
      if (slot.key === key) return;
      const card = renderTool(part, message);
      if (slot.node) slot.node.replaceWith(card);
      slot.node = card;
      slot.key = key;
    }
  }

  function renderMessage(message) {
    let view = views.get(message.id);
    if (!view) {
      const node = el("div", "msg " + message.role);
      node.dataset.messageId = message.id;
      view = { node, slots: [], notes: [], usage: null, text: null };
      views.set(message.id, view);
      log.append(node);
    }
    if (message.role === "user") {
      const text = message.parts.filter((p) => p.type === "text").map((p) => p.text).join("\n");
      if (view.text !== text) view.node.textContent = view.text = text;
      return;
    }
    // Parts only ever grow at the end; the notes and the usage line come after them.
    const trailer = () => view.notes[0] || view.usage;
    message.parts.forEach((part, index) => {
      const slot = view.slots[index] || (view.slots[index] = { node: null });
      const before = slot.node;
      renderPart(slot, part, message);
      if (slot.node && !before) view.node.insertBefore(slot.node, trailer() || null);
    });
    const notes = message.notes || [];
    for (let i = view.notes.length; i < notes.length; i++) {
      const line = el("div", notes[i].kind, notes[i].text);
      view.node.insertBefore(line, view.usage);
      view.notes.push(line);
    }
    const meta = message.metadata || {};
    if (meta.usage) {
      const text = usageLine(meta.usage) + (meta.model ? " · " + meta.model : "");
      if (!view.usage) {
        view.usage = el("div", "usage", text);
        view.node.append(view.usage);
      } else if (view.usage.textContent !== text) {
        view.usage.textContent = text;
      }
    }
  }

  function scheduleRender(message) {
    if (pending && pending !== message) renderMessage(pending);
    pending = message;
    requestAnimationFrame(() => {
      if (pending) renderMessage(pending);
      pending = null;
      log.scrollTop = log.scrollHeight;
    });
  }

  function setBusy(busy, text) {
    sendButton.disabled = busy;
    stopButton.hidden = !busy;
    clearButton.hidden = busy || messages.length === 0;
    status.textContent = text || "";
    document.body.dataset.busy = busy ? "true" : "false";
    for (const button of log.querySelectorAll(".actions button")) button.disabled = busy;
  }

  // --- the stream ---------------------------------------------------------------------

  function randomId(prefix) {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return prefix + "_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function findTool(message, toolCallId) {
    return message.parts.find((p) => p.toolCallId === toolCallId);
  }

  function apply(message, active, chunk) {
    switch (chunk.type) {
      case "start":
        if (chunk.messageId) message.id = message.id || chunk.messageId;
        break;
      case "start-step":
        message.parts.push({ type: "step-start" });
        break;
      case "text-start":
      case "reasoning-start": {
        const part = { type: chunk.type.split("-")[0], text: "", state: "streaming" };
        message.parts.push(part);
        active.set(chunk.id, part);
        break;
      }
      case "text-delta":
      case "reasoning-delta":
        if (active.has(chunk.id)) active.get(chunk.id).text += chunk.delta;
        break;
      case "text-end":
      case "reasoning-end":
        if (active.has(chunk.id)) active.get(chunk.id).state = "done";
        active.delete(chunk.id);
        break;
      case "tool-input-start":
        message.parts.push({ type: "tool-" + chunk.toolName, toolCallId: chunk.toolCallId, state: "input-streaming", rawInput: "" });
        break;
      case "tool-input-delta": {
        const part = findTool(message, chunk.toolCallId);
        if (part) part.rawInput += chunk.inputTextDelta;
        break;
      }
      case "tool-input-available": {
        let part = findTool(message, chunk.toolCallId);
        if (!part) {
          part = { type: "tool-" + chunk.toolName, toolCallId: chunk.toolCallId };
          message.parts.push(part);
        }
        part.state = "input-available";
        part.input = chunk.input;
        delete part.rawInput;
        if (chunk.providerExecuted) part.providerExecuted = true;
        break;
      }
      case "tool-approval-request": {
        const part = findTool(message, chunk.toolCallId);
        if (part) {
          part.state = "approval-requested";
          part.approval = { id: chunk.approvalId };
        }
        break;
      }
      case "tool-output-available":
      case "tool-output-error":
      case "tool-output-denied": {
        const part = findTool(message, chunk.toolCallId);
        if (!part) break;
        part.state = chunk.type.replace("tool-", "");
        if (chunk.type === "tool-output-available") part.output = chunk.output;
        if (chunk.type === "tool-output-error") part.errorText = chunk.errorText;
        break;
      }
      case "message-metadata":
      case "finish":
        message.metadata = Object.assign(message.metadata || {}, chunk.messageMetadata || {});
        break;
      case "error":
        note(message, "error", chunk.errorText);
        break;
      case "data-retry":
        note(message, "notice-line", "retrying after an error (attempt " + chunk.data.attempt + "): " + chunk.data.error);
        break;
      default:
        break; // sources, files and other data parts are not shown
    }
  }

  function note(message, kind, text) {
    message.notes = message.notes || [];
    message.notes.push({ kind, text });
  }

  function* events(buffer) {
    // Yields complete server-sent events' data; returns the unfinished rest.
    let index;
    while ((index = buffer.text.indexOf("\n\n")) >= 0) {
      const block = buffer.text.slice(0, index);
      buffer.text = buffer.text.slice(index + 2);
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""))
        .join("\n");
      if (data) yield data;
    }
  }

  function closeStreaming(message) {
    for (const part of message.parts) {
      if (part.state === "streaming") part.state = "done";
    }
  }

  async function run() {
    let message = messages[messages.length - 1];
    if (!message || message.role !== "assistant") {
      message = { id: "", role: "assistant", parts: [], metadata: {} };
    }
    const body = { id: chatId, messages: messages.map(wireMessage), trigger: "submit-message" };
    controller = new AbortController();
    setBusy(true, "thinking…");
    const active = new Map();
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      if (!response.ok) {
        const text = await response.text();
        let detail = text;
        try {
          detail = JSON.parse(text).error || text;
        } catch (ignored) {
          // not JSON: show the text as it is
        }
        throw new Error("the server refused the request (" + response.status + "): " + detail);
      }
      if (!messages.includes(message)) {
        messages.push(message);
      }
      setBusy(true, "answering…");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const buffer = { text: "" };
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer.text += value;
        for (const data of events(buffer)) {
          if (data === "[DONE]") continue;
          const chunk = JSON.parse(data);
          const wasNew = !message.id;
          apply(message, active, chunk);
          if (wasNew && !message.id) message.id = randomId("msg");
          scheduleRender(message);
        }
      }
      setBusy(false, "");
    } catch (error) {
      if (!messages.includes(message) && message.parts.length) messages.push(message);
      if (!message.id) message.id = randomId("msg");
      if (controller && controller.signal.aborted) {
        note(message, "notice-line", "stopped");
        setBusy(false, "stopped");
      } else {
        note(message, "error", String(error.message || error));
        if (!messages.includes(message)) messages.push(message);
        setBusy(false, "error");
      }
    } finally {
      closeStreaming(message);
      controller = null;
      pending = null; // the render below is the last one: no frame may redraw after idle
      if (message.id) renderMessage(message);
      setBusy(false, status.textContent);
      log.scrollTop = log.scrollHeight;
    }
  }

  function wireMessage(message) {
    // What the server needs: the UI message without the page's own notes.
    return { id: message.id, role: message.role, parts: message.parts, metadata: message.metadata };
  }

  function answerApproval(message, part, approved) {
    if (controller) return;
    part.state = "approval-responded";
    part.approval = Object.assign({}, part.approval, { approved });
    renderMessage(message);
    const waiting = message.parts.some((p) => p.state === "approval-requested");
    if (!waiting) run();
  }

  // --- wiring ---------------------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = prompt.value.trim();
    if (!text || controller) return;
    prompt.value = "";
    document.getElementById("empty")?.remove();
    const message = { id: randomId("user"), role: "user", parts: [{ type: "text", text }] };
    messages.push(message);
    renderMessage(message);
    run();
  });

  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  stopButton.addEventListener("click", () => {
    if (controller) controller.abort();
  });

  clearButton.addEventListener("click", () => {
    messages = [];
    views = new Map();
    log.replaceChildren(el("p", "empty", "New chat."));
    setBusy(false, "");
  });

  document.body.dataset.ready = "true";
  setBusy(false, "");
})();
