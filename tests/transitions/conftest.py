from tests.patients.conftest import manage, marie, nurse_claire, ward  # noqa: F401
