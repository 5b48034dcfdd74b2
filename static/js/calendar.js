// Drag a booking onto a free cell of the day calendar: the drop fills the page's move form (the same
// form *Move* → *Move here* sends) and submits it; the server's move service checks everything and says
// why a move is refused. Without JavaScript, *Move* then *Move here* does the same.
(function () {
  "use strict";
  var form = document.getElementById("move-form");
  if (!form) { return; }
  var dragged = null;
  document.querySelectorAll(".cal-session[draggable=true]").forEach(function (block) {
    block.addEventListener("dragstart", function (ev) {
      dragged = block;
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", block.getAttribute("data-session"));
    });
    block.addEventListener("dragend", function () { dragged = null; });
  });
  document.querySelectorAll("[data-slot]").forEach(function (cell) {
    cell.addEventListener("dragover", function (ev) {
      if (dragged) { ev.preventDefault(); cell.classList.add("is-drop"); }
    });
    cell.addEventListener("dragleave", function () { cell.classList.remove("is-drop"); });
    cell.addEventListener("drop", function (ev) {
      if (!dragged) { return; }
      ev.preventDefault();
      form.elements.session.value = dragged.getAttribute("data-session");
      form.elements.version.value = dragged.getAttribute("data-version");
      var slot = document.createElement("input");
      slot.type = "hidden";
      slot.name = "slot";
      slot.value = cell.getAttribute("data-slot");
      form.appendChild(slot);
      form.submit();
    });
  });
})();
