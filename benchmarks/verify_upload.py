"""/verify/ uploads: how long the bounded check takes for a genuine sealed PDF and for crafted ones.

- the crafted file of issue 10 (30,000 signature fields in about 4.3 MB): refused from its bytes;
- 200 signature fields whose names a byte scan cannot see (``/S#69g``): refused while parsing, in
  the child process;
- a genuine sealed one-page PDF: verified in the child process (forkserver already started).

    DATABASE_URL=… REDIS_URL=… .venv/bin/python benchmarks/verify_upload.py [--repeat 5]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascicolo.test_settings")
    import django

    django.setup()
    import weasyprint

    from fascicolo.documents import bounded, seal_pdf
    from tests.certificates.pdfutils import pdf_with_signature_fields

    genuine = seal_pdf(weasyprint.HTML(string="<p>Certificato</p>").write_pdf(), reason="Certificato anagrafico")
    crafted = pdf_with_signature_fields(30_000)
    hidden = pdf_with_signature_fields(200, escaped_names=True)
    bounded.verify_upload(genuine)  # start the forkserver once, as a web process does on its first upload

    def timed(data):
        durations, outcome = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            try:
                outcome = "ok" if bounded.verify_upload(data).ok else "not sealed"
            except bounded.UploadRefused as refused:
                outcome = f"refused ({refused.code})"
            durations.append((time.perf_counter() - started) * 1000)
        return statistics.median(durations), max(durations), outcome

    for label, data in (("crafted, 30,000 signature fields", crafted), ("200 hidden fields", hidden),
                        ("genuine sealed PDF", genuine)):  # fmt: skip
        median, worst, outcome = timed(data)
        print(f"{label} ({len(data) / 1e6:.1f} MB): {outcome}, median {median:.0f} ms, max {worst:.0f} ms")


if __name__ == "__main__":
    main()
