"""Error pages in French; an expired form on a step page comes back to the step."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, render_template, request
from flask_wtf.csrf import CSRFError


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError) -> Any:
        if request.endpoint == "demarche.etape":
            flash("Votre formulaire a expiré ou n'a pas pu être vérifié : vos dernières modifications n'ont pas été "
                  "enregistrées. Ce qui avait été enregistré est conservé ; veuillez saisir à nouveau.", "error")
            return redirect(request.path)
        return render_template("erreur.html", titre="Formulaire expiré",
                               message="Votre formulaire a expiré ou n'a pas pu être vérifié. "
                                       "Revenez à la page précédente, rechargez-la et recommencez."), 400

    @app.errorhandler(404)
    def not_found(err: Any) -> Any:
        return render_template("erreur.html", titre="Page introuvable",
                               message="La page que vous cherchez n'existe pas ou ne vous est pas accessible."), 404

    @app.errorhandler(405)
    def wrong_method(err: Any) -> Any:
        return render_template("erreur.html", titre="Page introuvable",
                               message="Cette adresse ne s'ouvre pas directement. Revenez à la page précédente ou "
                                       "à l'accueil."), 405

    @app.errorhandler(413)
    def too_large(err: Any) -> Any:
        if request.endpoint == "demarche.etape":
            flash("L'envoi dépasse la taille autorisée : chaque fichier doit faire 10 Mo au maximum. "
                  "Joignez vos fichiers un par un. Rien d'autre n'a été modifié.", "error")
            return redirect(request.path)
        return render_template("erreur.html", titre="Envoi trop volumineux",
                               message="Les données envoyées dépassent la taille autorisée."), 413

    @app.errorhandler(500)
    def server_error(err: Any) -> Any:
        return render_template("erreur.html", titre="Erreur du service",
                               message="Une erreur est survenue. Votre saisie enregistrée est conservée ; "
                                       "réessayez dans quelques instants."), 500
