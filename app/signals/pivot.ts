/**
 * A small hand-written glossary that rewrites Spanish, Portuguese, French, German and Italian
 * customer wording into the English words the trained models know ("quiero cancelar mi
 * suscripción" → "i want cancel my subscription"). It is not a translator: it covers the
 * vocabulary of Baton's intents (cancel, unsubscribe, invoice, charged twice, refund, not working,
 * talk to a person, demo, price, buy) and of plain praise and complaint, phrase entries first so
 * "no funciona" becomes "not working" before "no" is seen alone. Words it does not know are left
 * as they are (the sentiment model also learned some native words from public tweets).
 *
 * Written for Baton by its authors; see app/signals/training/README.md.
 */
import { foldAccents, foldGerman } from './fold';

/** The languages with a glossary (language.ts guesses these and English). */
export type GlossaryLanguage = 'es' | 'pt' | 'fr' | 'de' | 'it';

type Glossary = ReadonlyArray<readonly [string, string]>;

const ES: Glossary = [
  // General customer-service vocabulary, by kind: verbs, nouns, adjectives, time and people.
  ['usar', 'use'], ['usamos', 'use'], ['utilizar', 'use'], ['dejar de', 'stop'], ['dejo de', 'stop'], ['recibir', 'receive'], ['recibo', 'receive'],
  ['enviar', 'send'], ['mandar', 'send'], ['envíen', 'send'], ['manden', 'send'], ['pagar', 'pay'], ['pago', 'pay payment'], ['pagué', 'paid'], ['pagado', 'paid'],
  ['esperar', 'wait'], ['espero', 'waiting'], ['responder', 'answer'], ['respuesta', 'answer reply'], ['llamar', 'call'], ['llame', 'call'],
  ['ver', 'see'], ['enseñar', 'show'], ['abrir', 'open'], ['cambiar', 'change'], ['conectar', 'connect'], ['importar', 'import'], ['exportar', 'export'],
  ['borrar', 'delete'], ['eliminar', 'delete remove'], ['quitar', 'remove'], ['sacar', 'remove'], ['activar', 'activate'], ['adquirir', 'buy'],
  ['pedir', 'order request'], ['pedí', 'requested'], ['solicito', 'request'], ['solicitar', 'request'], ['interesa', 'interested'], ['gustaría', 'would like'],
  ['continuar', 'continue'], ['seguir', 'continue'], ['funcionar', 'work'], ['llega', 'arrive'], ['llegan', 'arrive'], ['resolver', 'resolve'],
  ['resolvieron', 'resolved'], ['solucionar', 'fix'], ['arreglar', 'fix'], ['atender', 'serve'], ['atienda', 'serve'], ['facturar', 'bill'],
  ['facturado', 'billed'], ['plataforma', 'platform'], ['servicio', 'service'], ['soporte', 'support'], ['empresa', 'company'], ['usuario', 'user'],
  ['correo', 'email'], ['correos', 'emails'], ['envíos', 'emails mailings'], ['newsletters', 'newsletters'], ['difusión', 'mailing'], ['extracto', 'statement'],
  ['recibo', 'receipt'], ['euros', 'euros'], ['mes', 'month'], ['meses', 'months'], ['año', 'year'], ['anual', 'annual'], ['mensual', 'monthly'],
  ['archivo', 'file'], ['datos', 'data'], ['informe', 'report'], ['informes', 'reports'], ['función', 'feature'], ['permisos', 'permissions'],
  ['verificación', 'verification'], ['reunión', 'meeting'], ['videollamada', 'video call'], ['presentación', 'presentation'], ['presentaciones', 'presentations'],
  ['prueba', 'trial'], ['licencia', 'license'], ['premium', 'premium'], ['versión', 'version'], ['competidor', 'competitor'], ['mitad', 'half'],
  ['valor', 'value'], ['prioridad', 'priority'], ['complicado', 'complicated'], ['fácil', 'easy'], ['rápido', 'fast quickly'], ['lento', 'slow'],
  ['barato', 'cheap'], ['molesto', 'upset'], ['molesta', 'upset'], ['enfadado', 'angry'], ['furioso', 'furious'], ['satisfecho', 'satisfied'],
  ['encantados', 'delighted'], ['fantástico', 'fantastic'], ['fantástica', 'fantastic'], ['desastre', 'disaster'], ['vergüenza', 'disgrace'],
  ['experiencia', 'experience'], ['responsable', 'manager responsible'], ['asesor', 'advisor'], ['humano', 'human'], ['alguien', 'someone'],
  ['siempre', 'always'], ['otra vez', 'again'], ['ya', 'already'], ['mañana', 'tomorrow'], ['ayer', 'yesterday'], ['semanas', 'weeks'], ['ventas', 'sales'],
  ['interés', 'interest'], ['no me interesa', 'not interested'],
  ['cancel*', 'cancel'], ['reclam*', 'complain'], ['plan', 'plan'], ['aplicación', 'app'], ['app', 'app'], ['actualización', 'update'],
  ['agente', 'agent'], ['supervisor', 'supervisor'], ['llamada', 'call'], ['llámenme', 'call me'], ['teléfono', 'phone'], ['presupuesto', 'budget quote'],
  ['cotización', 'quote'], ['licencias', 'licenses'], ['contratar', 'buy subscribe'], ['contrato', 'contract'], ['firmar', 'sign'], ['herramienta', 'tool'],
  ['competencia', 'competitors'], ['proveedor', 'vendor'], ['integración', 'integration'], ['configurar', 'set up'], ['iniciar sesión', 'log in'],
  ['acceder', 'access'], ['recibí', 'received'], ['prometieron', 'promised'], ['persona', 'person'], ['humano', 'human'], ['robot', 'bot'],
  ['hablar', 'talk'], ['pasar con', 'transfer me to'], ['pásenme con', 'transfer me to'], ['mostrar', 'show'], ['mostrarnos', 'show us'],
  ['semana', 'week'], ['equipo', 'team'], ['nadie', 'nobody'], ['responde', 'responds'], ['perfecto', 'perfect'], ['contentos', 'happy'],
  ['muy', 'very'], ['nueva', 'new'], ['versión', 'version'], ['funciona', 'works'], ['renovar', 'renew'], ['cerrar', 'close'], ['lista', 'list'],
  ['boletín', 'newsletter'], ['publicidad', 'ads'], ['promocionales', 'promotional'], ['importe', 'amount'], ['incorrecto', 'wrong'], ['comisión', 'fee'],
  ['usuarios', 'users'], ['cuesta', 'cost'], ['demasiado', 'too'], ['ya usamos', 'we already use'], ['tiempo', 'weather'], ['partido', 'game match'],
  ['cumpleaños', 'birthday'], ['vacaciones', 'vacation'],
  ['darme de baja', 'unsubscribe'], ['dar de baja', 'cancel'], ['darse de baja', 'unsubscribe'], ['me doy de baja', 'unsubscribe'],
  ['no funciona', 'not working'], ['no me funciona', 'not working'], ['no anda', 'not working'], ['no puedo', 'can not'],
  ['no me gusta', 'do not like'], ['no me gustó', 'did not like'], ['me encanta', 'love'], ['me encantó', 'loved'], ['me gusta', 'like'],
  ['dos veces', 'twice'], ['por duplicado', 'twice'], ['me cobraron', 'i was charged'], ['me han cobrado', 'i was charged'], ['cobro indebido', 'wrong charge'],
  ['ahora mismo', 'right now'], ['cuanto antes', 'asap'], ['lo antes posible', 'asap'], ['está caído', 'is down'], ['está caída', 'is down'], ['se cayó', 'went down'],
  ['hablar con una persona', 'talk to a human'], ['hablar con un agente', 'talk to an agent'], ['hablar con alguien', 'talk to someone'], ['persona real', 'real person'],
  ['dejen de', 'stop'], ['dejad de', 'stop'], ['no quiero recibir', 'do not want to receive'], ['más correos', 'more emails'],
  ['muchas gracias', 'thank you so much'], ['por favor', 'please'], ['atención al cliente', 'customer service'], ['servicio al cliente', 'customer service'],
  ['quiero', 'i want'], ['quisiera', 'i would like'], ['necesito', 'i need'], ['cancelar', 'cancel'], ['anular', 'cancel'], ['baja', 'cancel'],
  ['suscripción', 'subscription'], ['suscripcion', 'subscription'], ['cuenta', 'account'], ['factura', 'invoice'], ['facturas', 'invoices'], ['cobro', 'charge'],
  ['cobrado', 'charged'], ['cobraron', 'charged'], ['cargo', 'charge'], ['reembolso', 'refund'], ['devolución', 'refund'], ['dinero', 'money'],
  ['tarjeta', 'card'], ['pago', 'payment'], ['precio', 'price'], ['caro', 'expensive'], ['demo', 'demo'], ['demostración', 'demo'], ['comprar', 'buy'],
  ['contraseña', 'password'], ['error', 'error'], ['problema', 'problem'], ['ayuda', 'help'], ['urgente', 'urgent'], ['hoy', 'today'], ['ahora', 'now'],
  ['queja', 'complaint'], ['reclamación', 'complaint'], ['pésimo', 'terrible'], ['pésima', 'terrible'], ['horrible', 'horrible'], ['malo', 'bad'], ['mala', 'bad'],
  ['bueno', 'good'], ['buena', 'good'], ['excelente', 'excellent'], ['genial', 'great'], ['increíble', 'amazing'], ['gracias', 'thanks'], ['contento', 'happy'],
  ['contenta', 'happy'], ['decepcionado', 'disappointed'], ['decepcionada', 'disappointed'], ['harto', 'fed up'], ['harta', 'fed up'], ['nunca', 'never'],
  ['todavía', 'still'], ['sigo esperando', 'still waiting'], ['esperando', 'waiting'], ['correos', 'emails'], ['mensajes', 'messages'], ['perdí', 'lost'],
  ['mi', 'my'], ['no', 'not'], ['el servicio', 'the service'], ['producto', 'product'], ['pedido', 'order'], ['envío', 'delivery'],
];

const PT: Glossary = [
  // General customer-service vocabulary, by kind: verbs, nouns, adjectives, time and people.
  ['usar', 'use'], ['usamos', 'use'], ['utilizar', 'use'], ['deixar de', 'stop'], ['paro de', 'stop'], ['receber', 'receive'], ['recebendo', 'receiving'],
  ['enviar', 'send'], ['mandar', 'send'], ['enviem', 'send'], ['mandem', 'send'], ['pagar', 'pay'], ['pago', 'paid'], ['paguei', 'paid'],
  ['esperar', 'wait'], ['esperando', 'waiting'], ['responder', 'answer'], ['resposta', 'answer reply'], ['ligar', 'call'], ['ligue', 'call'],
  ['ver', 'see'], ['apresentar', 'show present'], ['abrir', 'open'], ['trocar', 'change'], ['conectar', 'connect'], ['importar', 'import'], ['exportar', 'export'],
  ['apagar', 'delete'], ['excluir', 'delete'], ['remover', 'remove'], ['removam', 'remove'], ['tirem', 'remove'], ['ativar', 'activate'], ['adquirir', 'buy'],
  ['pedir', 'order request'], ['pedi', 'requested'], ['solicito', 'request'], ['solicitar', 'request'], ['interesse', 'interest'], ['gostaríamos', 'would like'],
  ['continuar', 'continue'], ['funcionar', 'work'], ['chega', 'arrive'], ['chegou', 'arrived'], ['resolver', 'resolve'], ['resolveram', 'resolved'],
  ['consertar', 'fix'], ['atender', 'serve'], ['atendido', 'served'], ['faturar', 'bill'], ['plataforma', 'platform'], ['suporte', 'support'],
  ['empresa', 'company'], ['usuário', 'user'], ['envios', 'emails mailings'], ['newsletters', 'newsletters'], ['divulgação', 'mailing'], ['extrato', 'statement'],
  ['recibo', 'receipt'], ['reais', 'money'], ['mês', 'month'], ['meses', 'months'], ['ano', 'year'], ['anual', 'annual'], ['mensal', 'monthly'],
  ['arquivo', 'file'], ['dados', 'data'], ['relatório', 'report'], ['relatórios', 'reports'], ['função', 'feature'], ['permissões', 'permissions'],
  ['verificação', 'verification'], ['reunião', 'meeting'], ['videochamada', 'video call'], ['apresentação', 'presentation'], ['apresentações', 'presentations'],
  ['teste', 'trial'], ['licença', 'license'], ['premium', 'premium'], ['concorrente', 'competitor'], ['metade', 'half'], ['prioridade', 'priority'],
  ['complicado', 'complicated'], ['fácil', 'easy'], ['rápido', 'fast quickly'], ['lento', 'slow'], ['barato', 'cheap'], ['chateado', 'upset'],
  ['chateada', 'upset'], ['bravo', 'angry'], ['irritado', 'angry'], ['encantados', 'delighted'], ['fantástico', 'fantastic'], ['fantástica', 'fantastic'],
  ['desastre', 'disaster'], ['vergonha', 'disgrace'], ['experiência', 'experience'], ['consultor', 'advisor'], ['alguém', 'someone'], ['sempre', 'always'],
  ['de novo', 'again'], ['amanhã', 'tomorrow'], ['ontem', 'yesterday'], ['semanas', 'weeks'], ['vendas', 'sales'], ['time', 'team'], ['nota dez', 'excellent'],
  ['não tenho interesse', 'not interested'],
  ['cancel*', 'cancel'], ['reclam*', 'complain'], ['plano', 'plan'], ['aplicativo', 'app'], ['app', 'app'], ['atualização', 'update'],
  ['atendente', 'agent'], ['supervisor', 'supervisor'], ['chamada', 'call'], ['me liguem', 'call me'], ['telefone', 'phone'], ['orçamento', 'budget quote'],
  ['proposta', 'quote'], ['licenças', 'licenses'], ['contratar', 'buy subscribe'], ['contrato', 'contract'], ['assinar', 'sign'], ['fechar', 'close deal'],
  ['ferramenta', 'tool'], ['concorrência', 'competitors'], ['fornecedor', 'vendor'], ['integração', 'integration'], ['configurar', 'set up'],
  ['entrar', 'log in'], ['acessar', 'access'], ['recebi', 'received'], ['prometeram', 'promised'], ['pessoa', 'person'], ['humano', 'human'],
  ['robô', 'bot'], ['falar', 'talk'], ['transferir', 'transfer'], ['me passem para', 'transfer me to'], ['mostrar', 'show'], ['semana', 'week'],
  ['equipe', 'team'], ['ninguém', 'nobody'], ['responde', 'responds'], ['perfeito', 'perfect'], ['satisfeitos', 'happy'], ['muito', 'very'],
  ['nova', 'new'], ['versão', 'version'], ['funciona', 'works'], ['renovar', 'renew'], ['encerrar', 'close'], ['lista', 'list'], ['newsletter', 'newsletter'],
  ['propaganda', 'ads'], ['promocionais', 'promotional'], ['valor', 'amount'], ['errado', 'wrong'], ['errada', 'wrong'], ['taxa', 'fee'], ['usuários', 'users'],
  ['custa', 'cost'], ['demais', 'too'], ['já usamos', 'we already use'], ['cansado', 'fed up'], ['cansada', 'fed up'], ['tempo', 'weather'],
  ['jogo', 'game match'], ['aniversário', 'birthday'], ['férias', 'vacation'], ['senha', 'password'], ['mudo', 'change'], ['mudar', 'change'],
  ['não funciona', 'not working'], ['nao funciona', 'not working'], ['não consigo', 'can not'], ['nao consigo', 'can not'], ['fora do ar', 'is down'],
  ['não gostei', 'did not like'], ['não gosto', 'do not like'], ['adorei', 'loved'], ['amei', 'loved'], ['gostei', 'liked'],
  ['duas vezes', 'twice'], ['em dobro', 'twice'], ['fui cobrado', 'i was charged'], ['fui cobrada', 'i was charged'], ['me cobraram', 'i was charged'],
  ['agora mesmo', 'right now'], ['o quanto antes', 'asap'], ['o mais rápido possível', 'asap'], ['falar com uma pessoa', 'talk to a human'],
  ['falar com um atendente', 'talk to an agent'], ['falar com alguém', 'talk to someone'], ['pessoa de verdade', 'real person'], ['parem de', 'stop'],
  ['descadastrar', 'unsubscribe'], ['descadastre', 'unsubscribe'], ['cancelar a inscrição', 'unsubscribe'], ['muito obrigado', 'thank you so much'],
  ['muito obrigada', 'thank you so much'], ['por favor', 'please'], ['atendimento ao cliente', 'customer service'], ['quero', 'i want'], ['gostaria', 'i would like'],
  ['preciso', 'i need'], ['cancelar', 'cancel'], ['assinatura', 'subscription'], ['conta', 'account'], ['fatura', 'invoice'], ['cobrança', 'charge'],
  ['cobrado', 'charged'], ['cobrada', 'charged'], ['reembolso', 'refund'], ['estorno', 'refund'], ['dinheiro', 'money'], ['cartão', 'card'],
  ['pagamento', 'payment'], ['preço', 'price'], ['caro', 'expensive'], ['demonstração', 'demo'], ['comprar', 'buy'], ['senha', 'password'],
  ['erro', 'error'], ['problema', 'problem'], ['ajuda', 'help'], ['urgente', 'urgent'], ['hoje', 'today'], ['agora', 'now'], ['reclamação', 'complaint'],
  ['péssimo', 'terrible'], ['péssima', 'terrible'], ['horrível', 'horrible'], ['ruim', 'bad'], ['bom', 'good'], ['boa', 'good'], ['ótimo', 'great'],
  ['ótima', 'great'], ['excelente', 'excellent'], ['incrível', 'amazing'], ['obrigado', 'thanks'], ['obrigada', 'thanks'], ['satisfeito', 'happy'],
  ['satisfeita', 'happy'], ['decepcionado', 'disappointed'], ['decepcionada', 'disappointed'], ['nunca', 'never'], ['ainda', 'still'],
  ['esperando', 'waiting'], ['e-mails', 'emails'], ['emails', 'emails'], ['mensagens', 'messages'], ['perdi', 'lost'], ['meu', 'my'], ['minha', 'my'],
  ['não', 'not'], ['nao', 'not'], ['produto', 'product'], ['pedido', 'order'], ['entrega', 'delivery'], ['serviço', 'service'],
];

const FR: Glossary = [
  // General customer-service vocabulary, by kind: verbs, nouns, adjectives, time and people.
  ['utiliser', 'use'], ['utilisons', 'use'], ['arrêter', 'stop'], ['cesser', 'stop'], ['ne plus recevoir', 'stop receiving'], ['recevoir', 'receive'],
  ['reçois', 'receive'], ['envoyer', 'send'], ['envoyez', 'send'], ['payer', 'pay'], ['payé', 'paid'], ['attendre', 'wait'], ['attends', 'waiting'],
  ['répondre', 'answer'], ['réponse', 'answer reply'], ['appeler', 'call'], ['appelle', 'call'], ['voir', 'see'], ['présenter', 'show present'],
  ['ouvrir', 'open'], ['changer', 'change'], ['connecter', 'connect'], ['importer', 'import'], ['import', 'import'], ['exporter', 'export'],
  ['supprimer', 'delete'], ['supprimez', 'delete remove'], ['retirer', 'remove'], ['retirez', 'remove'], ['activer', 'activate'], ['acquérir', 'buy'],
  ['commander', 'order'], ['demandé', 'requested'], ['demande', 'request'], ['intéresse', 'interested'], ['aimerions', 'would like'], ['continuer', 'continue'],
  ['régler', 'resolve'], ['réglé', 'resolved'], ['résoudre', 'resolve'], ['réparer', 'fix'], ['facturé', 'billed'], ['facturer', 'bill'],
  ['plateforme', 'platform'], ['support', 'support'], ['entreprise', 'company'], ['société', 'company'], ['utilisateur', 'user'], ['envois', 'emails mailings'],
  ['newsletters', 'newsletters'], ['diffusion', 'mailing'], ['relevé', 'statement'], ['euros', 'euros'], ['mois', 'month'], ['an', 'year'], ['année', 'year'],
  ['annuel', 'annual'], ['annuelle', 'annual'], ['mensuel', 'monthly'], ['fichier', 'file'], ['données', 'data'], ['rapport', 'report'], ['rapports', 'reports'],
  ['fonction', 'feature'], ['fonctionnalité', 'feature'], ['droits', 'permissions'], ['vérification', 'verification'], ['réunion', 'meeting'],
  ['visioconférence', 'video call'], ['présentation', 'presentation'], ['présentations', 'presentations'], ['essai', 'trial'], ['licence', 'license'],
  ['premium', 'premium'], ['concurrent', 'competitor'], ['moitié', 'half'], ['intérêt', 'value'], ['priorité', 'priority'], ['compliqué', 'complicated'],
  ['facile', 'easy'], ['vite', 'fast quickly'], ['rapide', 'fast'], ['lent', 'slow'], ['pas cher', 'cheap'], ['mécontent', 'upset'], ['mécontente', 'upset'],
  ['fâché', 'angry'], ['furieux', 'furious'], ['fantastique', 'fantastic'], ['au top', 'excellent'], ['catastrophe', 'disaster'], ['honteux', 'disgrace'],
  ['honte', 'disgrace'], ['expérience', 'experience'], ['supérieur', 'manager'], ['agent', 'agent'], ['être humain', 'human'], ['quelqu\'un', 'someone'],
  ['encore', 'again'], ['demain', 'tomorrow'], ['hier', 'yesterday'], ['semaines', 'weeks'], ['commerciale', 'sales'], ['ventes', 'sales'],
  ["ça ne m'intéresse pas", 'not interested'], ['clôture', 'close'],
  ['annul*', 'cancel'], ['résili*', 'cancel'], ['plaint*', 'complain'], ['forfait', 'plan'], ['plan', 'plan'], ['application', 'app'], ['appli', 'app'],
  ['mise à jour', 'update'], ['conseiller', 'agent'], ['responsable', 'supervisor'], ['appel', 'call'], ['appelez-moi', 'call me'], ['téléphone', 'phone'],
  ['devis', 'quote'], ['budget', 'budget'], ['licences', 'licenses'], ['souscrire', 'buy subscribe'], ['contrat', 'contract'], ['signer', 'sign'],
  ['outil', 'tool'], ['concurrence', 'competitors'], ['fournisseur', 'vendor'], ['intégration', 'integration'], ['configurer', 'set up'],
  ['me connecter', 'log in'], ['accéder', 'access'], ['reçu', 'received'], ['promis', 'promised'], ['personne', 'person nobody'], ['humain', 'human'],
  ['robot', 'bot'], ['parler', 'talk'], ['passer un', 'transfer me to'], ['passez-moi', 'transfer me to'], ['montrer', 'show'], ['semaine', 'week'],
  ['équipe', 'team'], ['répond', 'responds'], ['parfait', 'perfect'], ['contents', 'happy'], ['ravis', 'happy'], ['très', 'very'], ['nouvelle', 'new'],
  ['version', 'version'], ['fonctionne', 'works'], ['marche', 'works'], ['renouvelle', 'renew'], ['fermer', 'close'], ['liste', 'list'], ['newsletter', 'newsletter'],
  ['publicitaires', 'ads'], ['promotionnels', 'promotional'], ['montant', 'amount'], ['erroné', 'wrong'], ['erreur', 'error'], ['frais', 'fee'],
  ['utilisateurs', 'users'], ['trop', 'too'], ['déjà', 'already'], ["j'en ai marre", 'fed up'], ['marre', 'fed up'], ['temps', 'weather'], ['match', 'game match'],
  ['anniversaire', 'birthday'], ['vacances', 'vacation'],
  ['ne fonctionne pas', 'not working'], ['ne marche pas', 'not working'], ['ne fonctionne plus', 'not working'], ['ne marche plus', 'not working'],
  ['je ne peux pas', 'i can not'], ['en panne', 'is down'], ['hors service', 'is down'], ["je n'aime pas", 'i do not like'], ["j'adore", 'i love'],
  ["j'ai adoré", 'i loved'], ["j'aime", 'i like'], ['deux fois', 'twice'], ['en double', 'twice'], ["j'ai été débité", 'i was charged'],
  ["j'ai été prélevé", 'i was charged'], ['tout de suite', 'right now'], ['dès que possible', 'asap'], ['au plus vite', 'asap'],
  ['parler à une personne', 'talk to a human'], ['parler à un conseiller', 'talk to an agent'], ["parler à quelqu'un", 'talk to someone'],
  ['vraie personne', 'real person'], ['arrêtez de', 'stop'], ['me désinscrire', 'unsubscribe'], ['désinscrire', 'unsubscribe'], ['désabonner', 'unsubscribe'],
  ['merci beaucoup', 'thank you so much'], ["s'il vous plaît", 'please'], ['service client', 'customer service'], ['je veux', 'i want'],
  ['je voudrais', 'i would like'], ["j'ai besoin", 'i need'], ['annuler', 'cancel'], ['résilier', 'cancel'], ['abonnement', 'subscription'],
  ['compte', 'account'], ['facture', 'invoice'], ['prélèvement', 'charge'], ['prélevé', 'charged'], ['débité', 'charged'], ['remboursement', 'refund'],
  ['rembourser', 'refund'], ['argent', 'money'], ['carte', 'card'], ['paiement', 'payment'], ['prix', 'price'], ['cher', 'expensive'],
  ['démonstration', 'demo'], ['démo', 'demo'], ['acheter', 'buy'], ['mot de passe', 'password'], ['erreur', 'error'], ['problème', 'problem'],
  ['aide', 'help'], ['urgent', 'urgent'], ["aujourd'hui", 'today'], ['maintenant', 'now'], ['plainte', 'complaint'], ['nul', 'terrible'], ['nulle', 'terrible'],
  ['horrible', 'horrible'], ['mauvais', 'bad'], ['mauvaise', 'bad'], ['bon', 'good'], ['bonne', 'good'], ['génial', 'great'], ['excellent', 'excellent'],
  ['super', 'great'], ['incroyable', 'amazing'], ['merci', 'thanks'], ['content', 'happy'], ['contente', 'happy'], ['satisfait', 'happy'], ['déçu', 'disappointed'],
  ['déçue', 'disappointed'], ['jamais', 'never'], ['toujours', 'still'], ["j'attends", 'waiting'], ['mails', 'emails'], ['e-mails', 'emails'],
  ['messages', 'messages'], ["j'ai perdu", 'i lost'], ['mon', 'my'], ['ma', 'my'], ['mes', 'my'], ['pas', 'not'], ['produit', 'product'], ['commande', 'order'],
  ['livraison', 'delivery'], ['service', 'service'],
];

const DE: Glossary = [
  // General customer-service vocabulary, by kind: verbs, nouns, adjectives, time and people.
  ['nutzen', 'use'], ['benutzen', 'use'], ['aufhören', 'stop'], ['hören auf', 'stop'], ['beenden', 'end cancel'], ['bekommen', 'receive'],
  ['bekomme', 'receive'], ['erhalten', 'receive'], ['schicken', 'send'], ['senden', 'send'], ['bezahlen', 'pay'], ['bezahlt', 'paid'], ['bezahle', 'pay'],
  ['warten', 'wait'], ['antworten', 'answer'], ['antwort', 'answer reply'], ['anrufen', 'call'], ['anruft', 'call'], ['sehen', 'see'], ['vorstellen', 'show present'],
  ['öffnen', 'open'], ['ändern', 'change'], ['verbinden', 'connect'], ['import', 'import'], ['importieren', 'import'], ['exportieren', 'export'],
  ['löschen', 'delete remove'], ['entfernen', 'remove'], ['aktivieren', 'activate'], ['freischalten', 'activate'], ['erwerben', 'buy'], ['bestellen', 'order'],
  ['beantragt', 'requested'], ['bitte um', 'request'], ['interesse', 'interest'], ['würden gerne', 'would like'], ['möchten', 'would like'],
  ['weitermachen', 'continue'], ['lösen', 'resolve'], ['gelöst', 'resolved'], ['reparieren', 'fix'], ['berechnet', 'billed'], ['plattform', 'platform'],
  ['service', 'service'], ['support', 'support'], ['firma', 'company'], ['unternehmen', 'company'], ['benutzer', 'user'], ['aussendungen', 'emails mailings'],
  ['newsletter', 'newsletter'], ['mailingliste', 'mailing list'], ['kontoauszug', 'statement'], ['euro', 'euros'], ['monat', 'month'], ['jahr', 'year'],
  ['jahresabo', 'annual subscription'], ['jahreslizenz', 'annual license'], ['monatlich', 'monthly'], ['datei', 'file'], ['daten', 'data'], ['bericht', 'report'],
  ['berichte', 'reports'], ['funktion', 'feature'], ['benutzerrechte', 'permissions'], ['rechte', 'permissions'], ['bestätigung', 'verification'],
  ['meeting', 'meeting'], ['termin', 'meeting'], ['videokonferenz', 'video call'], ['präsentation', 'presentation'], ['präsentationen', 'presentations'],
  ['testphase', 'trial'], ['lizenz', 'license'], ['premium', 'premium'], ['konkurrent', 'competitor'], ['halben', 'half'], ['mehrwert', 'value'],
  ['priorität', 'priority'], ['kompliziert', 'complicated'], ['einfach', 'easy'], ['schnell', 'fast quickly'], ['langsam', 'slow'], ['billig', 'cheap'],
  ['günstig', 'cheap'], ['verärgert', 'upset angry'], ['wütend', 'angry'], ['sauer', 'angry'], ['begeistert', 'delighted'], ['fantastisch', 'fantastic'],
  ['erstklassig', 'excellent'], ['erstklassiger', 'excellent'], ['schande', 'disgrace'], ['erfahrung', 'experience'], ['berater', 'advisor'],
  ['menschlichen', 'human'], ['jemand', 'someone'], ['reden', 'talk'], ['immer', 'always'], ['wieder', 'again'], ['morgen', 'tomorrow'], ['gestern', 'yesterday'],
  ['wochen', 'weeks'], ['vertrieb', 'sales'], ['vertriebsteam', 'sales team'], ['kein interesse', 'not interested'], ['schließung', 'close'],
  ['kündig*', 'cancel'], ['storn*', 'cancel'], ['beschwer*', 'complain'], ['tarif', 'plan'], ['plan', 'plan'], ['app', 'app'], ['update', 'update'],
  ['aktualisierung', 'update'], ['mitarbeiter', 'agent'], ['vorgesetzten', 'supervisor'], ['anruf', 'call'], ['call', 'call'], ['rufen sie mich', 'call me'],
  ['telefonieren', 'phone'], ['telefon', 'phone'], ['angebot', 'quote'], ['budget', 'budget'], ['lizenzen', 'licenses'], ['buchen', 'buy subscribe'],
  ['buche', 'buy subscribe'], ['vertrag', 'contract'], ['unterschreiben', 'sign'], ['tool', 'tool'], ['konkurrenz', 'competitors'], ['anbieter', 'vendor'],
  ['integration', 'integration'], ['einrichtung', 'set up'], ['einrichten', 'set up'], ['einloggen', 'log in'], ['anmelden', 'log in'], ['erhalten', 'received'],
  ['versprochene', 'promised'], ['mensch', 'person'], ['menschen', 'human'], ['bot', 'bot'], ['sprechen', 'talk'], ['verbinden', 'transfer me to'],
  ['zeigen', 'show'], ['woche', 'week'], ['team', 'team'], ['niemand', 'nobody'], ['antwortet', 'responds'], ['perfekt', 'perfect'], ['sehr', 'very'],
  ['neue', 'new'], ['version', 'version'], ['funktioniert', 'works'], ['nicht mehr', 'not anymore'], ['verlängern', 'renew'], ['schließen', 'close'],
  ['verteiler', 'list'], ['newsletter', 'newsletter'], ['werbung', 'ads'], ['betrag', 'amount'], ['falsch', 'wrong'], ['falschen', 'wrong'], ['gebühr', 'fee'],
  ['nutzer', 'users'], ['kostet', 'cost'], ['zu', 'too'], ['schon', 'already'], ['nase voll', 'fed up'], ['wetter', 'weather'], ['spiel', 'game match'],
  ['geburtstag', 'birthday'], ['urlaub', 'vacation'], ['wechseln', 'switch upgrade'],
  ['funktioniert nicht', 'not working'], ['geht nicht', 'not working'], ['funktioniert nicht mehr', 'not working'], ['kann nicht', 'can not'],
  ['ist ausgefallen', 'is down'], ['ausgefallen', 'down'], ['gefällt mir nicht', 'do not like'], ['gefällt mir', 'like'], ['liebe es', 'love it'],
  ['doppelt', 'twice'], ['zweimal', 'twice'], ['abgebucht', 'charged'], ['belastet', 'charged'], ['sofort', 'right now'], ['so schnell wie möglich', 'asap'],
  ['mit einem menschen sprechen', 'talk to a human'], ['mit einem mitarbeiter sprechen', 'talk to an agent'], ['mit jemandem sprechen', 'talk to someone'],
  ['echten menschen', 'real person'], ['hören sie auf', 'stop'], ['abmelden', 'unsubscribe'], ['austragen', 'unsubscribe'], ['vielen dank', 'thank you so much'],
  ['bitte', 'please'], ['kundenservice', 'customer service'], ['kundendienst', 'customer service'], ['ich möchte', 'i want'], ['ich will', 'i want'],
  ['ich brauche', 'i need'], ['kündigen', 'cancel'], ['kündigung', 'cancellation'], ['stornieren', 'cancel'], ['abo', 'subscription'],
  ['abonnement', 'subscription'], ['konto', 'account'], ['rechnung', 'invoice'], ['abbuchung', 'charge'], ['rückerstattung', 'refund'], ['erstattung', 'refund'],
  ['geld zurück', 'refund'], ['geld', 'money'], ['karte', 'card'], ['zahlung', 'payment'], ['preis', 'price'], ['teuer', 'expensive'], ['demo', 'demo'],
  ['vorführung', 'demo'], ['kaufen', 'buy'], ['passwort', 'password'], ['fehler', 'error'], ['problem', 'problem'], ['hilfe', 'help'], ['dringend', 'urgent'],
  ['heute', 'today'], ['jetzt', 'now'], ['beschwerde', 'complaint'], ['schrecklich', 'terrible'], ['furchtbar', 'terrible'], ['katastrophe', 'disaster'],
  ['schlecht', 'bad'], ['gut', 'good'], ['toll', 'great'], ['super', 'great'], ['ausgezeichnet', 'excellent'], ['hervorragend', 'excellent'],
  ['großartig', 'great'], ['danke', 'thanks'], ['zufrieden', 'happy'], ['enttäuscht', 'disappointed'], ['nie', 'never'], ['niemals', 'never'],
  ['immer noch', 'still'], ['warte', 'waiting'], ['e-mails', 'emails'], ['mails', 'emails'], ['nachrichten', 'messages'], ['verloren', 'lost'],
  ['mein', 'my'], ['meine', 'my'], ['nicht', 'not'], ['kein', 'no'], ['keine', 'no'], ['produkt', 'product'], ['bestellung', 'order'], ['lieferung', 'delivery'],
];

const IT: Glossary = [
  ['non funziona', 'not working'], ['non riesco', 'can not'], ['non mi piace', 'do not like'], ['mi piace', 'like'], ['adoro', 'love'],
  ['due volte', 'twice'], ['addebitato', 'charged'], ['subito', 'right now'], ['parlare con una persona', 'talk to a human'], ['disiscrivermi', 'unsubscribe'],
  ['grazie mille', 'thank you so much'], ['per favore', 'please'], ['voglio', 'i want'], ['vorrei', 'i would like'], ['annullare', 'cancel'],
  ['disdire', 'cancel'], ['abbonamento', 'subscription'], ['fattura', 'invoice'], ['rimborso', 'refund'], ['soldi', 'money'], ['carta', 'card'],
  ['pagamento', 'payment'], ['prezzo', 'price'], ['caro', 'expensive'], ['comprare', 'buy'], ['oggi', 'today'], ['adesso', 'now'], ['pessimo', 'terrible'],
  ['ottimo', 'great'], ['buono', 'good'], ['grazie', 'thanks'], ['deluso', 'disappointed'], ['mio', 'my'], ['mia', 'my'], ['non', 'not'],
];

const GLOSSARIES: Readonly<Record<GlossaryLanguage, Glossary>> = { es: ES, pt: PT, fr: FR, de: DE, it: IT };

/** German also meets its umlaut-less spellings (foldGerman); the others fold accents only. */
const FOLD: Readonly<Record<string, (text: string) => string>> = { de: foldGerman };

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Longest phrases first so they win over the words inside them; one alternation per language. An
 * entry ending in `*` is a stem and matches any ending ("kündig*" → kündige, kündigen, Kündigung).
 * Matching is on accent-folded text against accent-folded entries, so "suscripcion", "nao
 * funciona" and "kundigen" read like their accented forms (the first entry wins a folded clash).
 */
const COMPILED: ReadonlyMap<string, { readonly pattern: RegExp; readonly map: ReadonlyMap<string, string>; readonly stems: ReadonlyArray<readonly [string, string]> }> = new Map(
  Object.entries(GLOSSARIES).map(([lang, glossary]) => {
    const fold = FOLD[lang] ?? foldAccents;
    const map = new Map<string, string>();
    for (const [from, to] of glossary) if (!from.endsWith('*') && !map.has(fold(from))) map.set(fold(from), to);
    const stems = glossary.filter(([from]) => from.endsWith('*')).map(([from, to]) => [fold(from.slice(0, -1)), to] as const);
    const alternatives = [...[...map.keys()].map(escape), ...stems.map(([stem]) => `${escape(stem)}\\p{L}*`)].sort((a, b) => b.length - a.length);
    const pattern = new RegExp(`(?<![\\p{L}'])(?:${alternatives.join('|')})(?![\\p{L}])`, 'gu');
    return [lang, { pattern, map, stems }] as const;
  }),
);

/**
 * English rendering of the glossary words in `text` (only those, in order), or undefined for
 * English or a language without a glossary.
 */
export function pivotToEnglish(text: string, language: string): string | undefined {
  const compiled = COMPILED.get(language);
  if (compiled === undefined) return undefined;
  const lower = (FOLD[language] ?? foldAccents)(text).replace(/’/g, "'");
  const out: string[] = [];
  for (const m of lower.matchAll(compiled.pattern)) {
    const english = compiled.map.get(m[0]) ?? compiled.stems.find(([stem]) => m[0].startsWith(stem))?.[1];
    if (english !== undefined) out.push(english);
  }
  return out.length === 0 ? undefined : out.join(' ');
}

/** Glossary words that are English words too, so they say nothing about the language. */
const ENGLISH_ALSO: ReadonlySet<string> = new Set(['no', 'super', 'mails', 'e-mails', 'emails', 'match', 'content', 'messages', 'me', 'a', 'on', 'plan', 'pas', 'ma', 'mes', 'mon']);

/**
 * How many glossary entries of each non-English language occur in `text` (language evidence),
 * not counting entries spelled like their English rendering ("excellent", "service", "demo") or
 * otherwise English ("no", "super").
 */
export function glossaryHits(text: string): Array<[GlossaryLanguage, number]> {
  return (Object.keys(GLOSSARIES) as GlossaryLanguage[]).map((lang) => {
    const compiled = COMPILED.get(lang);
    if (compiled === undefined) return [lang, 0];
    const lower = (FOLD[lang] ?? foldAccents)(text).replace(/’/g, "'");
    let hits = 0;
    for (const m of lower.matchAll(compiled.pattern)) {
      const english = compiled.map.get(m[0]) ?? compiled.stems.find(([stem]) => m[0].startsWith(stem))?.[1];
      if (english !== undefined && english !== m[0] && !ENGLISH_ALSO.has(m[0])) hits += 1;
    }
    return [lang, hits];
  });
}

/** Every English word the glossaries can produce: the vocabulary a pivoted text is made of. */
export function pivotVocabulary(): ReadonlySet<string> {
  const out = new Set<string>();
  for (const glossary of Object.values(GLOSSARIES)) for (const [, english] of glossary) for (const w of english.split(' ')) out.add(w);
  return out;
}

/**
 * An English text as the pivot would render it: only the words a glossary can produce, in order
 * ("I want to cancel my subscription, thanks" → "i want cancel my subscription thanks"). Training
 * on these teaches the model to read the sparse English that non-English text becomes.
 */
export function pivotStyle(text: string, vocabulary: ReadonlySet<string> = pivotVocabulary()): string {
  return (text.toLowerCase().replace(/n['’]t\b/g, ' not').match(/[a-z]+/g) ?? []).filter((w) => vocabulary.has(w)).join(' ');
}
