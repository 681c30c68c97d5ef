"""FHIR R4 (validated with fhir.resources R4B models) at /fhir/: an adapter over the domain.

- `errors`: OperationOutcome for every refusal, with its HTTP status;
- `registry`: one module per resource type in `resources/` registers a `ResourceType`
  (mapping to and from our models, its search parameters, its interactions);
- `operations/`: one module per interaction (read, search, create, update, transaction,
  capabilities), independent of the resource types;
- `views`: thin Django views (authentication, JSON in and out, dispatch).

Adding a resource type (Task, Communication, QuestionnaireResponse…) is one module in
`resources/` listed in `resources/__init__.py`: the views, the CapabilityStatement, search
paging and transactions pick it up.
"""
