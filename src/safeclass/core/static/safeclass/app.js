// SafeClass: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Confirm before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    }
  });

  // Commune list follows the chosen province: <select data-wards-url=... data-ward-target=id>.
  document.querySelectorAll("select[data-wards-url]").forEach(function (province) {
    var target = document.getElementById(province.dataset.wardTarget);
    if (!target) { return; }
    province.addEventListener("change", function () {
      var code = province.value;
      target.innerHTML = "";
      var blank = document.createElement("option");
      blank.value = "";
      blank.textContent = "—";
      target.appendChild(blank);
      if (!code) { return; }
      fetch(province.dataset.wardsUrl + "?province=" + encodeURIComponent(code), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : { wards: [] }; })
        .then(function (data) {
          data.wards.forEach(function (ward) {
            var option = document.createElement("option");
            option.value = ward.code;
            option.textContent = ward.name;
            target.appendChild(option);
          });
        });
    });
  });

  // Long-running forms show progress: <form data-busy> with a hidden .busy-message.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      var message = form.querySelector(".busy-message");
      if (message) { message.hidden = false; }
      form.setAttribute("aria-busy", "true");
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });

  // Print buttons: <button data-print>.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
