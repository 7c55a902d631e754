// The admin's import job page: follow the job's progress without reloading, then reload once when it
// ends (to show the outcome and the rejected lines). No inline script: loaded as a file (CSP).
(function () {
  'use strict';
  var box = document.getElementById('import-job');
  if (!box || box.dataset.finished === '1') { return; }
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {'Accept': 'application/json'}, credentials: 'same-origin'})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 3000); return; }
        document.getElementById('import-job-status').textContent = job.status_label;
        document.getElementById('import-job-stage').textContent = job.stage ? ' — ' + job.stage : '';
        var bar = document.getElementById('import-job-progress');
        bar.value = job.progress;
        bar.textContent = job.progress + '%';
        if (job.finished) { window.location.reload(); } else { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
}());
