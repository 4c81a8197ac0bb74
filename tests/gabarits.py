"""Speed for every test that builds an app: the Jinja templates are compiled once per test process, not once per app.

Each test gets a new Flask app, hence a new Jinja environment that would parse and compile every template it renders
again (about a tenth of a second of CPU per web test). This cache keeps the compiled code in memory for the process.
Jinja checks the template's source against the checksum stored with the code, so an edited template is compiled
again; the key also holds the environment's compile settings, so two differently configured apps never share code.
"""

from __future__ import annotations

from hashlib import sha1

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket


def _reglages(environment: Environment) -> str:
    """What changes the code Jinja generates for one source (callables by name: a bound method differs per app)."""
    autoescape = environment.autoescape
    if callable(autoescape):
        autoescape = getattr(autoescape, "__qualname__", type(autoescape).__qualname__)
    return repr((sorted(environment.extensions), autoescape, environment.block_start_string,
                 environment.block_end_string, environment.variable_start_string, environment.variable_end_string,
                 environment.comment_start_string, environment.comment_end_string,
                 environment.line_statement_prefix, environment.line_comment_prefix, environment.trim_blocks,
                 environment.lstrip_blocks, environment.newline_sequence, environment.keep_trailing_newline,
                 environment.optimized, getattr(environment, "newstyle_gettext", None), environment.is_async))


class CacheDeGabarits(BytecodeCache):
    """Compiled templates in memory, shared by the apps of one process."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        key = sha1(f"{self.get_cache_key(name, filename)}|{_reglages(environment)}".encode()).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # ignored (compiled again) if the source's checksum changed

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


CACHE = CacheDeGabarits()
