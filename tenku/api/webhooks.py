"""``/v1/webhook_endpoints``: what the SDK's ``client.webhooks.create/list/retrieve/delete``
call, so webhook URLs are configured the way OpenAI users already do it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from tenku.api import schemas
from tenku.api.deps import Services, api_key, services
from tenku.api.forms import read_body
from tenku.store.models import ApiKey

router = APIRouter(prefix="/v1", tags=["webhooks"])


@router.post("/webhook_endpoints", summary="Create a webhook endpoint (returns its secret once)",
             responses=schemas.ERRORS, openapi_extra=schemas.body(schemas.WebhookCreate))
async def create_endpoint(request: Request, key: ApiKey = Depends(api_key),
                          svc: Services = Depends(services)):
    fields, _ = await read_body(request, svc.max_body)
    return svc.webhooks.create(key, url=fields.get("url"), name=fields.get("name"),
                               event_types=fields.get("event_types"))


@router.get("/webhook_endpoints", summary="List webhook endpoints", responses=schemas.ERRORS)
def list_endpoints(key: ApiKey = Depends(api_key), svc: Services = Depends(services)):
    return svc.webhooks.list(key)


@router.get("/webhook_endpoints/{endpoint_id}", summary="Retrieve a webhook endpoint",
            responses=schemas.ERRORS)
def get_endpoint(endpoint_id: str, key: ApiKey = Depends(api_key),
                 svc: Services = Depends(services)):
    return svc.webhooks.get(key, endpoint_id)


@router.delete("/webhook_endpoints/{endpoint_id}", summary="Delete a webhook endpoint",
               responses=schemas.ERRORS)
def delete_endpoint(endpoint_id: str, key: ApiKey = Depends(api_key),
                    svc: Services = Depends(services)):
    return svc.webhooks.delete(key, endpoint_id)
