"""Registries of the things a scenario chooses by ``kind:`` — hazards and dispatch policies.

A kind is registered once, by the module that defines it (its scenario schema, a pydantic model
whose ``kind`` is a ``Literal``, together with what the engine does with it), and everything
else asks the registry: the scenario's validation, the published JSON Schema, the engine, the
replay, the app's lists. A kind defined outside ``twin`` (a test, a user's module) registers the
same way and needs no other edit.

The scenario fields that hold kinds (``hazards``, ``dispatch``) are validated through the
registry when a file is read, not through a union frozen when this module was imported: a kind
registered later is accepted, and an unknown one gets ``unknown hazard kind 'x' (known: …)``.
The built-in kinds live in the engine; a registry imports their package the first time it is
asked (the scenario stage never imports the engine when it is imported itself, so the engine
can import the scenario stage).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from twin.errors import TwinError, suggest


class UnknownKindError(TwinError):
    """A ``kind:`` no registered hazard or policy has."""


class Entry(Protocol):
    """What a registry holds: a named kind with its scenario schema (None: a kind a scenario
    cannot name, e.g. a hazard that only occurs in background work)."""

    @property
    def name(self) -> str: ...

    @property
    def schema(self) -> type[BaseModel] | None: ...


E = TypeVar("E", bound=Entry)


class Registry(Generic[E]):
    """Kinds by name, in the order they were registered.

    Parameters
    ----------
    what
        What a kind is, for messages: ``"hazard kind"``.
    builtins
        The module whose import registers the built-in kinds, imported on first use.
    """

    def __init__(self, what: str, builtins: str) -> None:
        self.what = what
        self._builtins = builtins
        self._loaded = False
        self._entries: dict[str, E] = {}

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            importlib.import_module(self._builtins)

    def register(self, entry: E) -> E:
        """Add ``entry`` under its name; registering the same name again replaces it (a module
        imported twice, a test re-registering its toy kind)."""
        if entry.schema is not None:
            kind = entry.schema.model_fields.get("kind")
            if kind is None or getattr(kind.annotation, "__args__", None) != (entry.name,):
                raise TypeError(
                    f"{entry.schema.__name__}: a {self.what}'s schema needs kind: Literal[{entry.name!r}]"
                )
        self._entries[entry.name] = entry
        return entry

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def __getitem__(self, name: str) -> E:
        self._load()
        entry = self._entries.get(name)
        if entry is None:
            raise UnknownKindError(self.unknown(name))
        return entry

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[E]:
        self._load()
        return iter(list(self._entries.values()))

    def names(self) -> tuple[str, ...]:
        self._load()
        return tuple(self._entries)

    def schemas(self) -> dict[str, type[BaseModel]]:
        """The kinds a scenario can name, with their schemas, in order."""
        self._load()
        return {name: e.schema for name, e in self._entries.items() if e.schema is not None}

    def of(self, spec: BaseModel) -> E:
        """The entry of a validated scenario item (by its ``kind``)."""
        return self[str(getattr(spec, "kind", ""))]

    def unknown(self, name: str) -> str:
        known = tuple(self.schemas())
        return f"unknown {self.what} '{name}'{suggest(name, known)} (known: {', '.join(known)})"

    # -- the scenario field ------------------------------------------------------------------

    def validate(self, value: Any) -> BaseModel:
        """One scenario item: checked by the schema of the kind it names."""
        schemas = self.schemas()
        if isinstance(value, BaseModel) and isinstance(value, tuple(schemas.values())):
            return value
        kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
        if isinstance(value, BaseModel):
            value = value.model_dump()
        if not isinstance(kind, str) or kind not in schemas:
            message = (
                self.unknown(str(kind))
                if kind is not None
                else (f"needs a kind: one of {', '.join(schemas)}")
            )
            raise ValidationError.from_exception_data(
                self.what,
                [
                    InitErrorDetails(
                        type=PydanticCustomError("unknown_kind", message), loc=("kind",), input=kind
                    )
                ],
            )
        return schemas[kind].model_validate(value)

    def field(self) -> Any:
        """Metadata for a scenario field holding one item of this registry:
        ``Annotated[BaseClass, registry.field()]``."""
        return _KindField(self)


class _KindField:
    """A pydantic type: validates through the registry at validation time; its JSON Schema is the
    discriminated union of the kinds registered when the schema is made."""

    def __init__(self, registry: Registry[Any]) -> None:
        self.registry = registry

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.registry.validate,
            # Serialised as what it is (the kind's own model), with the caller's options.
            serialization=core_schema.simple_ser_schema("any"),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        choices: dict[Any, core_schema.CoreSchema] = {
            name: schema.__pydantic_core_schema__ for name, schema in self.registry.schemas().items()
        }
        return handler(core_schema.tagged_union_schema(choices, discriminator="kind"))


#: Hazard kinds (:class:`twin.engine.hazards.HazardKind`), built-ins in :mod:`twin.engine.hazards`.
HAZARDS: Registry[Any] = Registry("hazard kind", "twin.engine.hazards")
#: Dispatch policies (:class:`twin.engine.dispatch.Policy`), built-ins in :mod:`twin.engine.dispatch`.
POLICIES: Registry[Any] = Registry("dispatch policy", "twin.engine.dispatch")
