"""The command line that seeds and advances a running sandbox."""

import json

from seller_central_sandbox.control import main


def run(capsys, url, *argv):
    assert main(["--url", url, *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_seed_add_advance_fault_and_ledger(sandbox, capsys):
    url = sandbox.url
    assert run(capsys, url, "seed", "--orders", "25", "--no-rate-limits") == {"orders": 25}
    added = run(capsys, url, "add-orders", "2")
    assert len(added) == 2 and len(sandbox.control.orders()) == 27
    before = sandbox.control.state()["now_epoch"]
    moved = run(capsys, url, "advance", "3600")
    assert 3600 <= moved["sandbox_time"] - before < 3700
    run(capsys, url, "fault", "503", "--operation", "searchOrders", "--count", "1")
    assert sandbox.control.faults()
    run(capsys, url, "clear-faults")
    assert sandbox.control.faults() == []
    assert run(capsys, url, "ledger") == sandbox.control.ledger()
