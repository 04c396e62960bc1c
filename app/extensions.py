"""Flask extensions, created unbound. Never imports app modules."""

from typing import TYPE_CHECKING

from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from app.db import Base

db = SQLAlchemy(model_class=Base)
# The base class of every model. db.Model is made at run time, which a type checker cannot follow: it
# checks models against the declarative base db.Model is built from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
