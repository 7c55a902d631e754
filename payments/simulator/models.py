"""The simulator's own memory of carts it was handed: what a real PSP keeps on its side."""

from django.db import models


class SimulatedCheckout(models.Model):
    id_cart = models.CharField(max_length=64, unique=True)
    cart = models.JSONField()
    status = models.CharField(max_length=12, default="open")  # open, succeeded, failed, cancelled
    receipts = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "carrello del simulatore PSP"
        verbose_name_plural = "carrelli del simulatore PSP"

    def __str__(self):
        return f"{self.id_cart} ({self.status})"
