// Small behaviours that need no framework (CSP forbids inline scripts).
// Loaded in <head> without `defer`: it only listens on the document, and the
// class below must be set before the page is drawn. Everything here improves
// a page that already works without JavaScript.
document.documentElement.classList.add("js");

// Forms with data-confirm ask before submitting (destructive acts).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});

// htmx requests carry the CSRF token from <meta name="csrf-token">.
document.addEventListener("htmx:configRequest", function (e) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    e.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
  // The application form: a new member row gets the next number.
  if (e.detail.elt && e.detail.elt.id === "add-member") {
    e.detail.parameters.n = String(memberRows().length + 1);
  }
});

// The phone menu: a real button that opens and closes the navigation.
document.addEventListener("click", function (e) {
  var toggle = e.target.closest ? e.target.closest(".nav-toggle") : null;
  if (toggle) {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.setAttribute("aria-label", open ? "关闭菜单" : "打开菜单");
  }
});

// ---- The application form (/apply) ----

function memberRows() {
  return document.querySelectorAll("#members fieldset.member");
}

// Numbers the member rows 1, 2, … again and shows the add button only while
// there is room for one more.
function renumberMembers() {
  var rows = memberRows();
  rows.forEach(function (row, i) {
    row.id = "member-" + (i + 1);
    var note = row.querySelector(".field-error");
    if (note) {
      note.id = row.id + "-err";
      row.setAttribute("aria-describedby", note.id);
    }
    var no = row.querySelector(".member-no");
    if (no) {
      no.textContent = String(i + 1);
    }
    var remove = row.querySelector("[data-remove-member]");
    if (remove) {
      remove.setAttribute("aria-label", "删除家庭成员 " + (i + 1));
      remove.value = "remove_member:" + i;
    }
  });
  var box = document.getElementById("members");
  var add = document.getElementById("add-member");
  var full = document.getElementById("members-full");
  if (box && add) {
    var max = parseInt(box.getAttribute("data-max"), 10) || 10;
    add.hidden = rows.length >= max;
    if (full) {
      full.hidden = rows.length < max;
    }
  }
}

// Removing a member happens in place (without JavaScript the button sends
// the form back without that row).
document.addEventListener("click", function (e) {
  var button = e.target.closest ? e.target.closest("[data-remove-member]") : null;
  if (!button) {
    return;
  }
  e.preventDefault();
  var row = button.closest("fieldset.member");
  var next = row.nextElementSibling || row.previousElementSibling;
  row.remove();
  renumberMembers();
  var focus = next ? next.querySelector("input") : document.getElementById("add-member");
  if (focus && !focus.hidden) {
    focus.focus();
  }
});

// A row added by htmx: number the rows and put the cursor in its name.
document.addEventListener("htmx:afterSwap", function (e) {
  if (e.detail.target && e.detail.target.id === "members") {
    renumberMembers();
    var rows = memberRows();
    var last = rows[rows.length - 1];
    var name = last ? last.querySelector("input[name=m_name]") : null;
    if (name) {
      name.focus();
    }
  }
});

// Enter in the union search looks the name up instead of sending the form.
document.addEventListener("keydown", function (e) {
  if (e.key === "Enter" && e.target.id === "union-q") {
    e.preventDefault();
    var find = document.getElementById("find-union");
    if (find) {
      find.click();
    }
  }
});
