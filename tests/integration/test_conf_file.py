"""The annotated apiary.conf in the repository is the built-in default: a
server started with it reports the same CONFIG GET * as one started without
a file."""
import os

from conftest import ROOT


def test_apiary_conf_equals_builtin_defaults(make_server):
    with open(os.path.join(ROOT, "apiary.conf")) as f:
        text = f.read()
    with_file = make_server(config_text=text).client(decode_responses=True).config_get("*")
    without = make_server().client(decode_responses=True).config_get("*")
    for k in ("port", "dir"):  # set per server by the fixture
        with_file.pop(k)
        without.pop(k)
    assert with_file == without
    assert len(without) >= 50
