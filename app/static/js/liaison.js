// @mention autocomplete for fields marked data-mention-url. The server decides who is offered.
(() => {
  "use strict";
  const TRIGGER = /(^|[\s,(\[])@([a-z0-9_]{1,40})$/i;
  let counter = 0;

  function attach(field) {
    if (field.dataset.mentionReady) return;
    field.dataset.mentionReady = "1";
    const list = document.createElement("ul");
    list.className = "suggestions";
    list.id = `mention-list-${++counter}`;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", field.dataset.mentionLabel || "Members you can mention");
    list.hidden = true;
    field.after(list);
    // An input becomes a combobox; a textarea stays a textbox, which may not carry aria-expanded.
    const combobox = field.tagName === "INPUT";
    const expanded = (open) => { if (combobox) field.setAttribute("aria-expanded", String(open)); };
    if (combobox) field.setAttribute("role", "combobox");
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", list.id);
    expanded(false);
    let items = [];
    let active = -1;
    let pending = null;

    const close = () => {
      list.hidden = true;
      list.replaceChildren();
      items = [];
      active = -1;
      expanded(false);
      field.removeAttribute("aria-activedescendant");
    };

    const highlight = (index) => {
      active = index;
      [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
      if (index >= 0) field.setAttribute("aria-activedescendant", list.children[index].id);
    };

    const choose = (index) => {
      const item = items[index];
      if (!item) return;
      const caret = field.selectionStart;
      const before = field.value.slice(0, caret).replace(/@([a-z0-9_]{0,40})$/i, `@${item.username} `);
      field.value = before + field.value.slice(caret);
      field.setSelectionRange(before.length, before.length);
      close();
      field.focus();
      field.dispatchEvent(new Event("input", { bubbles: true }));
    };

    const show = (found) => {
      items = found;
      list.replaceChildren(...found.map((m, i) => {
        const li = document.createElement("li");
        li.id = `${list.id}-${i}`;
        li.setAttribute("role", "option");
        li.textContent = `@${m.username} — ${m.name}${m.affiliation ? `, ${m.affiliation}` : ""}`;
        li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(i); });
        return li;
      }));
      list.hidden = found.length === 0;
      expanded(found.length > 0);
      highlight(found.length ? 0 : -1);
    };

    field.addEventListener("input", () => {
      const match = TRIGGER.exec(field.value.slice(0, field.selectionStart));
      if (!match) { close(); return; }
      clearTimeout(pending);
      pending = setTimeout(async () => {
        const url = new URL(field.dataset.mentionUrl, window.location.href);
        url.searchParams.set("q", match[2]);
        // Suggestions may depend on other fields of the form, such as the chosen category.
        for (const name of (field.dataset.mentionWith || "").split(" ").filter(Boolean)) {
          const other = field.form && field.form.elements.namedItem(name);
          if (other) url.searchParams.set(name, other.value);
        }
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (response.ok) show(await response.json()); else close();
      }, 150);
    });

    field.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (event.key === "Enter" || event.key === "Tab") { if (active >= 0) { event.preventDefault(); choose(active); } }
      else if (event.key === "Escape") { close(); }
    });
    field.addEventListener("blur", () => setTimeout(close, 100));
  }

  const scan = (root) => root.querySelectorAll("[data-mention-url]").forEach(attach);
  document.addEventListener("DOMContentLoaded", () => scan(document));
  document.addEventListener("htmx:load", (event) => scan(event.detail.elt.parentElement || document));
})();
