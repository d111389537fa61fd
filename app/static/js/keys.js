// Security keys and passkeys: asks the server for a ceremony, lets the browser talk to the
// authenticator, and puts its answer into the form's hidden fields. The server checks everything.
(() => {
  "use strict";
  if (!window.PublicKeyCredential) return;

  const toBytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  };
  const toText = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

  const creationOptions = (o) => ({
    ...o,
    challenge: toBytes(o.challenge),
    user: { ...o.user, id: toBytes(o.user.id) },
    excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) })),
  });
  const requestOptions = (o) => ({
    ...o,
    challenge: toBytes(o.challenge),
    allowCredentials: (o.allowCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) })),
  });

  const answerJson = (credential) => {
    const r = credential.response;
    const response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    });
  };

  const say = (form, text, isError) => {
    const status = form.querySelector("[data-key-status]");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  };

  const ceremony = async (form, url) => {
    const response = await fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({ error: "Something went wrong. Try again." }));
    if (!response.ok) throw new Error(data.error || "Something went wrong. Try again.");
    return data;
  };

  const fill = (form, id, json) => {
    form.querySelector("input[name=key_ceremony]").value = id;
    form.querySelector("input[name=key_response]").value = json;
  };

  const failure = (error) => (error && error.name === "NotAllowedError"
    ? "The security key did not answer, or the request was cancelled."
    : (error && error.message) || "Something went wrong. Try again.");

  // A button that answers with an existing key: as the second step, for a passwordless sign-in,
  // or to confirm it is you before a change.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-key-answer]");
    if (!button) return;
    event.preventDefault();
    const form = button.form;
    button.disabled = true;
    say(form, "Waiting for your security key…");
    try {
      const data = await ceremony(form, button.dataset.keyAnswer);
      const credential = await navigator.credentials.get({ publicKey: requestOptions(data.publicKey) });
      fill(form, data.ceremony, answerJson(credential));
      if (button.hasAttribute("data-key-submit")) {
        say(form, "Signing in…");
        form.submit();
        return;
      }
      say(form, "Your security key answered. Now choose what to do.");
    } catch (error) {
      say(form, failure(error), true);
    }
    button.disabled = false;
  });

  // Registering a new key: the password (and second factor) go first, for the ceremony.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-key-register]");
    if (!form) return;
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say(form, "Follow your browser's instructions to use your security key or passkey…");
    try {
      const data = await ceremony(form, form.dataset.keyRegister);
      const credential = await navigator.credentials.create({ publicKey: creationOptions(data.publicKey) });
      fill(form, data.ceremony, answerJson(credential));
      form.querySelectorAll("input[type=password]").forEach((input) => { input.value = ""; });
      form.submit();
    } catch (error) {
      say(form, failure(error), true);
      button.disabled = false;
    }
  });

  document.querySelectorAll("[data-key-only]").forEach((element) => { element.hidden = false; });
})();
