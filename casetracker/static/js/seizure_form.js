// The seizure page without round trips: instant rows, port suggestions, the port's time
// zone. Everything here is an enhancement; the page works fully without it (the "add"
// buttons then post the form and the server adds the row).
(function () {
  "use strict";

  const form = document.querySelector("[data-seizure-form]");
  if (!form) {
    return;
  }
  const searchUrl = form.dataset.portSearchUrl;
  const datalist = document.getElementById("port-options");
  const known = new Map(); // locode -> {locode, name, country, timezone}

  // --- rows -------------------------------------------------------------------------
  function addRow(fieldset) {
    const prefix = fieldset.dataset.formset;
    const total = form.querySelector(`#id_${prefix}-TOTAL_FORMS`);
    const max = form.querySelector(`#id_${prefix}-MAX_NUM_FORMS`);
    const count = parseInt(total.value, 10);
    if (max && count >= parseInt(max.value, 10)) {
      return;
    }
    const template = fieldset.querySelector("template[data-empty-row]");
    const html = template.innerHTML.replace(/__prefix__/g, String(count));
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const row = holder.firstElementChild;
    fieldset.querySelector("[data-rows]").appendChild(row);
    total.value = String(count + 1);
    const first = row.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea");
    if (first) {
      first.focus();
    }
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-add-row]");
    if (button) {
      event.preventDefault();
      addRow(button.closest("[data-formset]"));
    }
  });

  form.addEventListener("change", (event) => {
    const box = event.target;
    if (box.matches("input[type=checkbox][name$='-DELETE']")) {
      box.closest("[data-row]").classList.toggle("is-removed", box.checked);
    }
  });

  // --- port suggestions ---------------------------------------------------------------
  let timer = null;
  let lastQuery = "";

  function remember(ports) {
    for (const port of ports) {
      known.set(port.locode, port);
    }
  }

  function fillDatalist(ports) {
    datalist.replaceChildren(
      ...ports.map((port) => {
        const option = document.createElement("option");
        option.value = port.locode;
        option.textContent = `${port.name}, ${port.country}`;
        return option;
      })
    );
  }

  async function search(query) {
    const response = await fetch(`${searchUrl}?q=${encodeURIComponent(query)}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      return [];
    }
    const data = await response.json();
    remember(data.results);
    return data.results;
  }

  form.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.matches("[data-port-search]")) {
      return;
    }
    const query = input.value.trim();
    if (query.length < 2 || query === lastQuery) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(async () => {
      lastQuery = query;
      try {
        fillDatalist(await search(query));
      } catch (error) {
        // Offline or the server is busy: the officer can still type the code.
      }
    }, 200);
  });

  // --- the time zone the local time is read in -----------------------------------------
  const mainPort = form.querySelector("#id_port");
  const timeHelp = document.getElementById("id_occurred_time_helptext");

  async function showTimeZone() {
    const code = mainPort.value.trim().split(/\s+/)[0].toUpperCase();
    if (code.length !== 5) {
      return;
    }
    let port = known.get(code);
    if (!port) {
      try {
        port = (await search(code)).find((p) => p.locode === code);
      } catch (error) {
        return;
      }
    }
    const current = form.dataset.timeZone;
    if (port && port.timezone && timeHelp && port.timezone !== current) {
      timeHelp.textContent = timeHelp.textContent.replace(current, port.timezone);
      form.dataset.timeZone = port.timezone;
    }
  }

  if (mainPort) {
    mainPort.addEventListener("change", showTimeZone);
  }

  // --- after a refused save, start at the first field to correct ---------------------------
  const firstInvalid = form.querySelector("[aria-invalid=true]");
  if (firstInvalid && document.getElementById("form-alert")) {
    firstInvalid.focus({ preventScroll: true });
    firstInvalid.scrollIntoView({ block: "center" });
  }

  // --- one submission only (a tablet's double tap must not log the seizure twice) -------
  form.addEventListener("submit", () => {
    window.setTimeout(() => {
      for (const button of form.querySelectorAll(".form-actions button")) {
        button.disabled = true;
      }
    }, 0);
  });
  window.addEventListener("pageshow", () => {
    for (const button of form.querySelectorAll(".form-actions button")) {
      button.disabled = false;
    }
  });
})();
