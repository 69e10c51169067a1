// Ghi âm in the browser: MediaRecorder (Chromium: WebM Opus), the take put into the form's file
// input and sent like an upload; the server converts it with ffmpeg and checks it by content.
(function () {
  "use strict";
  function setup(form) {
    var start = form.querySelector("[data-start]");
    var stop = form.querySelector("[data-stop]");
    var state = form.querySelector("[data-state]");
    var preview = form.querySelector("[data-preview]");
    var input = form.querySelector("input[type=file]");
    var prefix = form.getAttribute("data-prefix");
    var recorder = null;
    var chunks = [];
    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      start.disabled = true;
      state.textContent = "Trình duyệt này không ghi âm được: hãy chọn tệp ghi âm.";
      return;
    }
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        var type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"].find(function (t) {
          return MediaRecorder.isTypeSupported(t);
        }) || "";
        recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
        chunks = [];
        recorder.addEventListener("dataavailable", function (e) { if (e.data.size) { chunks.push(e.data); } });
        recorder.addEventListener("stop", function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var mime = recorder.mimeType || "audio/webm";
          var blob = new Blob(chunks, { type: mime });
          var name = prefix + (mime.indexOf("ogg") >= 0 ? ".ogg" : ".webm");
          var box = new DataTransfer();
          box.items.add(new File([blob], name, { type: mime }));
          input.files = box.files;
          preview.src = URL.createObjectURL(blob);
          preview.hidden = false;
          state.textContent = "Đã ghi xong: nghe lại, rồi bấm nút lưu bên dưới.";
          start.disabled = false;
          stop.disabled = true;
        });
        recorder.start(1000);
        start.disabled = true;
        stop.disabled = false;
        state.textContent = "Đang ghi âm…";
      }).catch(function () {
        state.textContent = "Không dùng được micrô: cho phép trình duyệt dùng micrô, hoặc chọn tệp ghi âm.";
      });
    });
    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") { recorder.stop(); }
    });
  }
  document.querySelectorAll("form[data-recorder]").forEach(setup);
})();
