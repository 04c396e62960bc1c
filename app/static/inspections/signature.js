// The 负责人's signature on the inspection page (安全生产法第六十八条): drawn on a canvas with a finger, a pen
// or a mouse, sent as a PNG file in the form's file field "signature" (the attachments upload), so the page
// works without script too (a PNG chosen in the file field). No inline script (CSP).
(function () {
  "use strict";

  function setup(form) {
    var canvas = form.querySelector("[data-signature-pad]");
    var fileInput = form.querySelector("[data-signature-file]");
    var error = form.querySelector("[data-signature-error]");
    if (!canvas || !canvas.getContext || typeof DataTransfer === "undefined") return;
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    ctx.lineWidth = 4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    fileInput.hidden = true; // the pad replaces the file field

    function point(ev) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: ((ev.clientX - rect.left) * canvas.width) / rect.width,
        y: ((ev.clientY - rect.top) * canvas.height) / rect.height,
      };
    }
    canvas.addEventListener("pointerdown", function (ev) {
      ev.preventDefault();
      canvas.setPointerCapture(ev.pointerId);
      drawing = true;
      var p = point(ev);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
    });
    canvas.addEventListener("pointermove", function (ev) {
      if (!drawing) return;
      ev.preventDefault();
      var p = point(ev);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
      if (error) error.hidden = true;
    });
    function stop() {
      drawing = false;
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    var clear = form.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
      });
    }

    form.addEventListener("submit", function (ev) {
      if (form.dataset.signatureReady === "1") return;
      ev.preventDefault();
      if (!drawn) {
        if (error) error.hidden = false;
        return;
      }
      canvas.toBlob(function (blob) {
        var file = new File([blob], "签名.png", { type: "image/png" });
        var dt = new DataTransfer();
        dt.items.add(file);
        fileInput.files = dt.files;
        form.dataset.signatureReady = "1";
        form.submit();
      }, "image/png");
    });
  }

  document.querySelectorAll("form[data-signature]").forEach(setup);
})();
